using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using ButtonSimulator.ErrorAction;
using ButtonSimulator.Payloads;
using ButtonSimulator.Tokens;

namespace ButtonSimulator.Delivery;

internal enum DeliveryOutcome
{
    /// <summary>2xx with at least one event stored.</summary>
    Accepted,

    /// <summary>2xx and every event was already stored.</summary>
    Duplicate,

    /// <summary>A final non-retryable answer (4xx other than 429): written to the error action.</summary>
    Rejected,

    /// <summary>Retries exhausted, timeout, oversized response or closed connection: written to the error action.</summary>
    Failed,

    /// <summary>Stopped by Ctrl+C before an answer: written to the error action, as if AWS had given up.</summary>
    Interrupted,
}

/// <summary>The result of delivering one request (one message, or one batch) including its retries.</summary>
internal sealed record DeliveryReport(
    int Messages,
    DeliveryOutcome Outcome,
    AttemptOutcome Last,
    int Attempts,
    int TokenRefreshes,
    int Stored,
    int Duplicates,
    TimeSpan Latency)
{
    public int Retries => Attempts - 1;
}

/// <summary>
/// Posts messages the way the AWS IoT HTTP action does: one JSON message, or a JSON array for a batch
/// (headers of its last message), <c>Authorization: Bearer</c> from the token cache, AWS's retry rules,
/// and an error-action record after the last failed try (one per message, or one per batch in the batched
/// shape, as AWS writes them: aws/FACTS.md).
/// </summary>
internal sealed class HttpActionSender(
    HttpClient http,
    Uri url,
    IAccessTokenSource? tokens,
    TimeProvider time,
    AwsRetryPolicy? policy = null,
    IErrorActionSink? errorAction = null,
    string ruleName = "button_clicks_to_azure")
{
    private readonly AwsRetryPolicy _policy = policy ?? AwsRetryPolicy.Aws;

    public Uri Url => url;

    /// <summary>
    /// Delivers <paramref name="messages"/> (one message, or a batch as one JSON array) with AWS's retries. When
    /// <paramref name="ct"/> is cancelled (Ctrl+C) the delivery stops and is reported as interrupted, and its
    /// messages still go to the error action: a record too many replays as a duplicate, a missing one loses a click.
    /// </summary>
    /// <param name="batchAcrossTopics">How a failed batch's error record is shaped: topic per entry (true) or at the top.</param>
    public async Task<DeliveryReport> SendAsync(IReadOnlyList<IotMessage> messages, bool asBatch, CancellationToken ct, bool batchAcrossTopics = false)
    {
        ArgumentOutOfRangeException.ThrowIfZero(messages.Count);
        var body = asBatch ? BatchBody(messages) : messages[0].RuleOutput;
        var headers = messages[^1].Headers;
        var started = Stopwatch.GetTimestamp();
        var attempts = 0;
        var refreshes = 0;
        AttemptOutcome outcome;
        try
        {
            var token = tokens is null ? null : await tokens.GetTokenAsync(ct);
            while (true)
            {
                attempts++;
                outcome = await TryOnceAsync(body, headers, token, ct);
                if (outcome is { Kind: AttemptKind.Status, StatusCode: 401 } && tokens is not null && token is not null && refreshes == 0)
                {
                    // Our token was refused (expired or rotated keys): one new token, one resend. Not an AWS retry.
                    token = await tokens.RefreshAsync(token, ct);
                    refreshes++;
                    attempts--;
                    continue;
                }

                if (outcome.IsSuccess || !_policy.ShouldRetry(outcome, attempts))
                {
                    break;
                }

                if (_policy.RetryDelay > TimeSpan.Zero)
                {
                    await Task.Delay(_policy.RetryDelay, time, ct);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            outcome = new AttemptOutcome(AttemptKind.Interrupted);
        }
        catch (TokenRequestException e)
        {
            // In AWS a failing get_secret() fails the action, and the message goes to the error action.
            outcome = new AttemptOutcome(AttemptKind.TokenUnavailable, Body: e.Message);
        }

        var latency = Stopwatch.GetElapsedTime(started);
        if (outcome.IsSuccess)
        {
            var (stored, duplicates) = Counts(outcome, messages.Count);
            return new DeliveryReport(messages.Count, stored > 0 ? DeliveryOutcome.Accepted : DeliveryOutcome.Duplicate, outcome, attempts, refreshes, stored, duplicates, latency);
        }

        if (errorAction is not null)
        {
            // Written even when interrupted: these records are the only trace of the clicks.
            var error = outcome.Describe();
            if (asBatch)
            {
                await errorAction.WriteAsync(ErrorActionRecord.ForBatch(messages, batchAcrossTopics, ruleName, url, error), CancellationToken.None);
            }
            else
            {
                await errorAction.WriteAsync(ErrorActionRecord.For(messages[0], ruleName, url, error), CancellationToken.None);
            }
        }

        var rejected = outcome.Kind == AttemptKind.Status && !AwsRetryPolicy.IsRetryableStatus(outcome.StatusCode);
        // A 400 for a partly invalid batch still stored the valid clicks and says how many.
        var (partStored, partDuplicates) = outcome.StatusCode == 400 ? ReadCounts(outcome.Body) : (null, null);
        var failure = rejected ? DeliveryOutcome.Rejected : outcome.Kind == AttemptKind.Interrupted ? DeliveryOutcome.Interrupted : DeliveryOutcome.Failed;
        return new DeliveryReport(messages.Count, failure, outcome, attempts, refreshes, partStored ?? 0, partDuplicates ?? 0, latency);
    }

    internal static byte[] BatchBody(IReadOnlyList<IotMessage> messages)
    {
        var size = 2 + messages.Sum(m => m.RuleOutput.Length) + messages.Count - 1;
        var body = new byte[size];
        var at = 0;
        body[at++] = (byte)'[';
        for (var i = 0; i < messages.Count; i++)
        {
            if (i > 0)
            {
                body[at++] = (byte)',';
            }

            messages[i].RuleOutput.CopyTo(body, at);
            at += messages[i].RuleOutput.Length;
        }

        body[at] = (byte)']';
        return body;
    }

    private async Task<AttemptOutcome> TryOnceAsync(byte[] body, IReadOnlyDictionary<string, string> headers, string? token, CancellationToken ct)
    {
        using var timeout = new CancellationTokenSource(_policy.RequestTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        using var request = new HttpRequestMessage(HttpMethod.Post, url);
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
            var status = (int)response.StatusCode;
            await using var stream = await response.Content.ReadAsStreamAsync(linked.Token);
            var buffer = new byte[_policy.MaxResponseBytes + 1];
            var read = 0;
            int n;
            while (read < buffer.Length && (n = await stream.ReadAsync(buffer.AsMemory(read), linked.Token)) > 0)
            {
                read += n;
            }

            return read > _policy.MaxResponseBytes
                ? new AttemptOutcome(AttemptKind.ResponseTooLarge, status)
                : new AttemptOutcome(AttemptKind.Status, status, Encoding.UTF8.GetString(buffer, 0, read));
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            return new AttemptOutcome(AttemptKind.Timeout);
        }
        catch (HttpRequestException)
        {
            return new AttemptOutcome(AttemptKind.ConnectionClosed);
        }
        catch (IOException)
        {
            return new AttemptOutcome(AttemptKind.ConnectionClosed);
        }
    }

    /// <summary>Reads {stored, duplicates} from the function's answer; without them 201 means all stored, 200 all duplicates.</summary>
    private static (int Stored, int Duplicates) Counts(AttemptOutcome outcome, int messages)
    {
        var (stored, duplicates) = ReadCounts(outcome.Body);
        return outcome.StatusCode == 200
            ? (stored ?? 0, duplicates ?? messages - (stored ?? 0))
            : (stored ?? messages - (duplicates ?? 0), duplicates ?? 0);
    }

    private static (int? Stored, int? Duplicates) ReadCounts(string? body)
    {
        int? stored = null, duplicates = null;
        try
        {
            using var doc = JsonDocument.Parse(body ?? string.Empty);
            if (doc.RootElement.ValueKind == JsonValueKind.Object)
            {
                if (doc.RootElement.TryGetProperty("stored", out var s) && s.TryGetInt32(out var sv))
                {
                    stored = sv;
                }

                if (doc.RootElement.TryGetProperty("duplicates", out var d) && d.TryGetInt32(out var dv))
                {
                    duplicates = dv;
                }
            }
        }
        catch (JsonException)
        {
            // An answer without counts.
        }

        return (stored, duplicates);
    }
}
