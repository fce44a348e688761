using System.Globalization;
using System.Text.Json;
using ButtonFunctions.Auth;
using ButtonFunctions.Clicks;
using ButtonFunctions.Destinations;
using ButtonFunctions.Diagnostics;
using ButtonFunctions.Http;
using ButtonFunctions.Ingest;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ButtonFunctions.Functions;

/// <summary>
/// <c>POST /api/clicks</c>: what the AWS IoT topic rule's HTTPS action calls. Authentication happens before this in
/// the worker middleware (destination confirmations, which carry no token, are let through). This adapter reads the
/// request, hands it to <see cref="ClickIngestion"/> or <see cref="DestinationConfirmer"/>, and turns what they say
/// into the answer AWS IoT acts on: 429/5xx are retried, other 4xx go to the rule's error action. Every answer stays
/// far below the 16 KiB past which AWS stops retrying: listed ids and errors are capped.
/// </summary>
public sealed partial class IngestClicks(
    ClickIngestion ingestion, DestinationConfirmer confirmer, IOptions<IngestOptions> options, RequestLogSamplers samplers, ILogger<IngestClicks> logger)
{
    /// <summary>Byte budgets (as JSON-encoded) for listed ids and errors; the rest of any body is well under 1 KiB.</summary>
    internal const int IdsBudgetBytes = 8_192;
    internal const int ErrorsBudgetBytes = 5_120;

    [Function(nameof(IngestClicks))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/clicks")] HttpRequest request,
        FunctionContext context)
    {
        var cancellationToken = request.HttpContext.RequestAborted;
        if (!JsonContentType.IsAcceptable(request.ContentType))
        {
            return Refuse(StatusCodes.Status415UnsupportedMediaType, ProblemTypes.UnsupportedMediaType, "Unsupported media type",
                "Send clicks as JSON (Content-Type: application/json).");
        }

        // One reader for both kinds of request (clicks and destination confirmations), so both answer a client's
        // framing fault or stall the same way: a 4xx, never the 500 an escaping exception would become.
        var maxBytes = options.Value.MaxBodyBytes;
        var read = await RequestBodyReader.ReadAsync(request, maxBytes, cancellationToken);
        if (read.Outcome != BodyReadOutcome.Read)
        {
            return RefuseBody(read, maxBytes);
        }

        var body = read.Bytes;
        if (DestinationConfirmationRequest.IsConfirmation(request))
        {
            return await ConfirmDestinationAsync(request, body, cancellationToken);
        }

        var result = await ingestion.IngestAsync(body, context.GetCaller()?.ClientId, cancellationToken);
        return result switch
        {
            IngestResult.Refused refused => Answer(refused),
            IngestResult.NotStored notStored => Answer(request.HttpContext.Response, notStored),
            IngestResult.Stored stored => Answer(stored),
            _ => throw new InvalidOperationException("Unknown ingest result " + result.GetType().Name),
        };
    }

    private async Task<IActionResult> ConfirmDestinationAsync(HttpRequest request, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        var headerArn = request.Headers[DestinationConfirmationRequest.DestinationArnHeader].ToString();
        if (DestinationConfirmationRequest.Parse(body, headerArn, out var error) is not { } confirmation)
        {
            AppMetrics.Add(AppMetrics.Confirmations, 1, AppMetrics.OutcomeTag, "invalid");
            return Refuse(StatusCodes.Status400BadRequest, ProblemTypes.InvalidDestinationConfirmation, "Invalid destination confirmation", error!);
        }

        var result = await confirmer.ConfirmAsync(confirmation, cancellationToken);

        // AWS is the only reader of this answer; the token stays out of it (the log has the full command).
        return new OkObjectResult(new DestinationConfirmationReceipt(
            result.Outcome,
            confirmation.Arn,
            result.Detail,
            result.Outcome == DestinationConfirmer.Confirmed ? confirmation.EnableCommand : DestinationConfirmationRequest.ConfirmCommandTemplate));
    }

    private static IActionResult Answer(IngestResult.Refused refused)
    {
        var (status, type, title) = refused.Reason switch
        {
            IngestRefusal.EmptyBody => (StatusCodes.Status400BadRequest, ProblemTypes.EmptyBody, "Empty body"),
            IngestRefusal.InvalidJson => (StatusCodes.Status400BadRequest, ProblemTypes.InvalidJson, "Invalid JSON"),
            IngestRefusal.TooManyClicks => (StatusCodes.Status413PayloadTooLarge, ProblemTypes.TooManyClicks, "Too many clicks"),
            _ => (StatusCodes.Status400BadRequest, ProblemTypes.UnsupportedPayload, "Unsupported payload"),
        };
        return Problems.Result(Problems.Create(status, type, title, refused.Detail));
    }

    private static IActionResult Answer(HttpResponse response, IngestResult.NotStored notStored)
    {
        var (status, type, title, detail, retryAfter) = notStored.Outcome switch
        {
            ClickStoreOutcome.Throttled => (StatusCodes.Status429TooManyRequests, ProblemTypes.StoreThrottled, "Store throttled",
                "The store is rate limiting; retry after the Retry-After delay. Clicks already stored will count as duplicates.",
                (TimeSpan?)(notStored.RetryAfter ?? RetryAfter.StoreThrottled)),
            ClickStoreOutcome.Unavailable => (StatusCodes.Status503ServiceUnavailable, ProblemTypes.StoreUnavailable, "Store unavailable",
                "The store could not be reached in time; retry after the Retry-After delay. Clicks already stored will count as duplicates.",
                notStored.RetryAfter ?? RetryAfter.StoreUnavailable),
            _ => (StatusCodes.Status500InternalServerError, ProblemTypes.StoreError, "Store error",
                "The store refused the clicks; see the function's log.", null),
        };
        if (retryAfter is { } delay)
        {
            RetryAfter.Set(response, delay);
        }

        var problem = Problems.Create(status, type, title, detail);
        problem.Extensions["stored"] = notStored.Inserted;
        problem.Extensions["duplicates"] = notStored.Duplicates;
        return Problems.Result(problem);
    }

    private static IActionResult Answer(IngestResult.Stored stored)
    {
        var (ids, idsTruncated) = Cap(stored.Ids, IdsBudgetBytes, id => id);
        if (stored.Errors.Count == 0)
        {
            var receipt = new IngestReceipt(stored.Inserted, stored.Duplicates, ids, idsTruncated);
            return new ObjectResult(receipt) { StatusCode = stored.Inserted > 0 ? StatusCodes.Status201Created : StatusCodes.Status200OK };
        }

        var (errors, errorsTruncated) = Cap(stored.Errors, ErrorsBudgetBytes, e => e.Reason);
        var problem = Problems.Create(
            StatusCodes.Status400BadRequest,
            ProblemTypes.InvalidClicks,
            "Invalid clicks",
            string.Create(CultureInfo.InvariantCulture, $"{stored.Errors.Count} of {stored.Total} clicks are invalid and were not stored; the {stored.Ids.Count} valid ones were stored ({stored.Inserted} new, {stored.Duplicates} already present)."));
        problem.Extensions["stored"] = stored.Inserted;
        problem.Extensions["duplicates"] = stored.Duplicates;
        problem.Extensions["ids"] = ids;
        problem.Extensions["idsTruncated"] = idsTruncated;
        problem.Extensions["errors"] = errors;
        problem.Extensions["errorsTruncated"] = errorsTruncated;
        return Problems.Result(problem);
    }

    /// <summary>
    /// The answer to a body that could not be read. A client that is gone gets the same 400 as a short body: the
    /// connection is closed, so nobody reads it, and it keeps the outcome a client fault in the host's records.
    /// </summary>
    private IActionResult RefuseBody(RequestBody read, int maxBytes)
    {
        if (read.Outcome == BodyReadOutcome.TooLarge)
        {
            return Refuse(StatusCodes.Status413PayloadTooLarge, ProblemTypes.BodyTooLarge, "Body too large",
                string.Create(CultureInfo.InvariantCulture, $"The body is larger than {maxBytes} bytes."));
        }

        // The client's fault, not ours: Information, never Warning or Error (a flaky network must not page anyone).
        var timedOut = read.Outcome == BodyReadOutcome.TimedOut;
        AppMetrics.Add(AppMetrics.IngestRefused, 1, AppMetrics.ReasonTag, ProblemTypes.NameOf(timedOut ? ProblemTypes.BodyTimeout : ProblemTypes.IncompleteBody));
        if (samplers.BodyNotRead.ShouldLog(out var heldBack))
        {
            LogBodyNotRead(logger, read.Outcome, read.Reason ?? string.Empty, heldBack);
        }

        return timedOut
            ? Problems.Result(Problems.Create(StatusCodes.Status408RequestTimeout, ProblemTypes.BodyTimeout, "Body timeout",
                "The request body arrived too slowly; send it again."))
            : Problems.Result(Problems.Create(StatusCodes.Status400BadRequest, ProblemTypes.IncompleteBody, "Incomplete body",
                "The request body ended before its declared length or was not framed correctly; send it again."));
    }

    private IActionResult Refuse(int status, string type, string title, string detail)
    {
        if (type != ProblemTypes.InvalidDestinationConfirmation)
        {
            AppMetrics.Add(AppMetrics.IngestRefused, 1, AppMetrics.ReasonTag, ProblemTypes.NameOf(type));
        }

        if (samplers.Refused.ShouldLog(out var heldBack))
        {
            LogRefused(logger, status, type, heldBack);
        }

        return Problems.Result(Problems.Create(status, type, title, detail));
    }

    /// <summary>Takes items in order while their JSON-encoded size fits the budget; says whether any were left out.</summary>
    private static (List<T> Items, bool Truncated) Cap<T>(IEnumerable<T> items, int budgetBytes, Func<T, string> text)
    {
        var taken = new List<T>();
        var used = 0;
        foreach (var item in items)
        {
            used += JsonEncodedText.Encode(text(item)).EncodedUtf8Bytes.Length + 32;
            if (used > budgetBytes)
            {
                return (taken, true);
            }

            taken.Add(item);
        }

        return (taken, false);
    }

    [LoggerMessage(EventId = 3006, Level = LogLevel.Information, Message = "Request body not read ({Outcome}): {Reason} ({HeldBack} more since the previous line; at most one a minute)")]
    private static partial void LogBodyNotRead(ILogger logger, BodyReadOutcome outcome, string reason, long heldBack);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Warning, Message = "Click request refused with {Status} ({ProblemType}) ({HeldBack} more since the previous line; at most one a minute)")]
    private static partial void LogRefused(ILogger logger, int status, string problemType, long heldBack);
}

/// <summary>
/// The log samplers of <see cref="IngestClicks"/>, one per kind of line: the function is created per invocation, its
/// samplers must outlive it (one instance per process, from DI).
/// </summary>
public sealed class RequestLogSamplers(TimeProvider time)
{
    public LogSampler Refused { get; } = new(LogSampler.DefaultInterval, time);

    public LogSampler BodyNotRead { get; } = new(LogSampler.DefaultInterval, time);
}

/// <summary>Body of 201/200: how many clicks were stored now, how many were already there, and their ids.</summary>
public sealed record IngestReceipt(int Stored, int Duplicates, IReadOnlyList<string> Ids, bool IdsTruncated);

/// <summary>Body of the 200 answer to a destination confirmation.</summary>
/// <param name="Status">confirmed, not-followed or failed.</param>
/// <param name="Command">The AWS CLI step still to run: when confirmed, enabling it (a confirmed destination stays DISABLED
/// until then); otherwise confirming it (token placeholder; the log has the token and the enable step).</param>
public sealed record DestinationConfirmationReceipt(string Status, string Arn, string Detail, string? Command);
