using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using ButtonFunctions.Http;
using ButtonFunctions.Tests.LocalHost;
using ButtonFunctions.Tests.Support;
using Microsoft.Extensions.Logging;
using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;

namespace ButtonFunctions.Tests.EndToEnd;

/// <summary>
/// The defects of issue 12 (points 2–7), each reproduced through the real worker under LocalHost and answered as the
/// README says: status, problem type, what was stored afterwards, what was logged.
/// </summary>
[Collection(SharedApp.Name)]
public sealed class HardeningEndToEndTests(SharedAppFixture app, ITestOutputHelper output)
{
    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static string Unique(string prefix) => prefix + Guid.NewGuid().ToString("N")[..10].ToUpperInvariant();

    private Task<List<BsonDocument>> StoredForAsync(string device) =>
        app.Clicks.Find(Builders<BsonDocument>.Filter.Eq("deviceId", device)).ToListAsync();

    /// <summary>
    /// The worker's lines (LocalHost relays them under the worker's own categories: the app's, the Functions worker's,
    /// and the host-style <c>Function.&lt;name&gt;</c>) logged after <paramref name="skip"/> entries; LocalHost's own
    /// Kestrel and proxy lines are left out.
    /// </summary>
    private List<LogEntry> WorkerLinesSince(int skip) =>
        [.. app.Logs.Entries.Skip(skip).Where(e => e.Category.StartsWith("ButtonFunctions", StringComparison.Ordinal)
            || e.Category.StartsWith("Microsoft.Azure.Functions.Worker", StringComparison.Ordinal)
            || e.Category.StartsWith("Function.", StringComparison.Ordinal))];

    [Fact]
    public async Task Two_coarse_clicks_in_one_second_are_both_stored_and_their_retries_are_duplicates()
    {
        var device = Unique("esp32-coarse-");
        var first = $$"""{"deviceId":"{{device}}","clickType":"single","timestamp":"2026-12-01T10:00:00Z","receivedAtMs":1796119200100}""";
        var second = $$"""{"deviceId":"{{device}}","clickType":"single","timestamp":"2026-12-01T10:00:00Z","receivedAtMs":1796119200700}""";

        using var a = await app.Client.PostAsync("/api/clicks", Json(first));
        using var b = await app.Client.PostAsync("/api/clicks", Json(second));
        using var retryA = await app.Client.PostAsync("/api/clicks", Json(first));
        using var retryB = await app.Client.PostAsync("/api/clicks", Json(second));

        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.Created), (a.StatusCode, b.StatusCode));
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (retryA.StatusCode, retryB.StatusCode));
        Assert.Equal(1, (await retryB.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("duplicates").GetInt32());
        Assert.Equal(2, (await StoredForAsync(device)).Count);
    }

    [Fact]
    public async Task A_different_click_reusing_a_trace_id_is_stored_under_a_collision_id_and_logged()
    {
        var trace = "reused-" + Guid.NewGuid().ToString("N");
        var victim = Unique("G030VICTIM");
        var other = Unique("G030OTHER");
        var skip = app.Logs.Entries.Count;

        using var first = await app.Client.PostAsync("/api/clicks", Json($$"""{"serialNumber":"{{victim}}","clickType":"SINGLE","traceId":"{{trace}}"}"""));
        using var collided = await app.Client.PostAsync("/api/clicks", Json($$"""{"serialNumber":"{{other}}","clickType":"LONG","traceId":"{{trace}}"}"""));
        using var retried = await app.Client.PostAsync("/api/clicks", Json($$"""{"serialNumber":"{{other}}","clickType":"LONG","traceId":"{{trace}}"}"""));

        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.OK), (first.StatusCode, collided.StatusCode, retried.StatusCode));
        var collisionId = (await collided.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("ids")[0].GetString();
        Assert.NotEqual(trace, collisionId);
        Assert.Equal(trace, Assert.Single(await StoredForAsync(victim))["_id"].AsString);
        var stored = Assert.Single(await StoredForAsync(other));
        Assert.Equal((collisionId, trace), (stored["_id"].AsString, stored["traceId"].AsString));
        await Eventually.TrueAsync(() => Task.FromResult(WorkerLinesSince(skip).Any(e => e.Level == LogLevel.Warning && e.Message.Contains(collisionId!, StringComparison.Ordinal))), TimeSpan.FromSeconds(10));
    }

    [Theory]
    [InlineData(0x85)]
    [InlineData(0x9B)]
    [InlineData(0x80)]
    [InlineData(0x9F)]
    public async Task A_c1_control_character_in_a_device_id_is_refused_and_nothing_is_stored(int codePoint)
    {
        var device = Unique("esp32-c1-");
        var escaped = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"\\u{codePoint:x4}");

        using var response = await app.Client.PostAsync("/api/clicks", Json($$"""{"deviceId":"{{device}}{{escaped}}","clickType":"single"}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(ProblemTypes.InvalidClicks, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("type").GetString());
        Assert.Empty(await StoredForAsync(device + (char)codePoint));
    }

    [Fact]
    public async Task A_body_device_that_differs_from_the_topics_device_is_refused_and_not_stored()
    {
        var victim = Unique("VICTIM-");
        var attacker = Unique("ATTACKER-");

        using var response = await app.Client.PostAsync("/api/clicks", Json($$"""{"serialNumber":"{{victim}}","clickType":"LONG","topic":"iotbutton/{{attacker}}"}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(ProblemTypes.InvalidClicks, problem.GetProperty("type").GetString());
        Assert.Equal(0, problem.GetProperty("errors")[0].GetProperty("index").GetInt32());
        Assert.Empty(await StoredForAsync(victim));
    }

    [Theory]
    [InlineData("..")]
    [InlineData(".")]
    public async Task A_dot_segment_token_is_refused_and_the_app_fetches_nothing(string token)
    {
        app.Listener.RequestLines.Clear();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/clicks")
        {
            Content = JsonContent.Create(new { arn = SharedAppFixture.AllowedArn, confirmationToken = token, enableUrl = app.Listener.Prefix + token, messageType = "DestinationConfirmation" }),
        };
        request.Headers.Add("x-amz-rules-engine-message-type", "DestinationConfirmation");

        using var response = await app.AnonymousClient.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(ProblemTypes.InvalidDestinationConfirmation, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("type").GetString());
        Assert.Empty(app.Listener.RequestLines);
    }

    [Fact]
    public async Task Two_authorization_header_lines_are_answered_400_invalid_request_as_the_readme_says()
    {
        var token = await app.IssueTokenAsync(AppFixture.WriterClientId);
        var device = Unique("AUTH2H");
        var body = $$"""{"deviceId":"{{device}}","clickType":"single"}""";

        // Two separate header lines on the wire (HttpClient would join them itself); LocalHost's proxy joins them with
        // ", " on the way to the worker, as the Functions host's does.
        var (status, head) = await RawAsync(
            $"POST /api/clicks HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\nAuthorization: Bearer {token}\r\n"
            + $"Content-Type: application/json\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\nConnection: close\r\n\r\n{body}");

        Assert.Equal(400, status);
        Assert.Contains("error=\"invalid_request\"", head, StringComparison.Ordinal);
        Assert.Empty(await StoredForAsync(device));
    }

    /// <remarks>
    /// The client here stalls. A client that closes its side instead never reaches the worker under LocalHost:
    /// LocalHost cancels the invocation before forwarding, and the Functions worker SDK logs that cancellation itself,
    /// before any code of this app runs; the in-process tests (RequestBodyFaultTests) cover the app's side of it.
    /// </remarks>
    [Fact]
    public async Task A_body_shorter_than_its_content_length_is_never_a_500_nor_an_error_in_the_log()
    {
        var token = await app.IssueTokenAsync(AppFixture.WriterClientId);
        var device = Unique("esp32-short-");
        var partial = $$"""{"deviceId":"{{device}}","clickType":"sin""";
        var skip = app.Logs.Entries.Count;

        // The client promises 200 bytes, sends fewer and stalls, until a minimum data rate gives up on it (about 5 s).
        var (status, head) = await RawAsync(
            $"POST /api/clicks HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\n"
            + $"Content-Length: 200\r\nConnection: close\r\n\r\n{partial}");
        output.WriteLine(head);
        foreach (var line in app.Logs.Entries.Skip(skip))
        {
            output.WriteLine($"{line.Level} {line.Category}: {line.Message}");
        }

        // No server error, whatever the proxy in front makes of it (LocalHost answers its own framing faults; a 502
        // there is LocalHost's, not the worker's).
        Assert.NotEqual(500, status);
        Assert.True(status is null or (>= 400 and < 500 and not 401 and not 403) or 502, $"status {status}");

        // The stalled body reached the worker, which gave up on it as a client fault, at Information.
        await Eventually.TrueAsync(
            () => Task.FromResult(WorkerLinesSince(skip).Any(e => e.Message.Contains("Request body not read", StringComparison.Ordinal))),
            TimeSpan.FromSeconds(30));
        Assert.Equal(LogLevel.Information, WorkerLinesSince(skip).Single(e => e.Message.Contains("Request body not read", StringComparison.Ordinal)).Level);

        // A click sent afterwards is stored (the worker is fine), and by then nothing of the faulty one is an error.
        var after = Unique("esp32-after-");
        using var next = await app.Client.PostAsync("/api/clicks", Json($$"""{"deviceId":"{{after}}","clickType":"single"}"""));
        Assert.Equal(HttpStatusCode.Created, next.StatusCode);
        Assert.DoesNotContain(WorkerLinesSince(skip), e => e.Level >= LogLevel.Error);
        Assert.Empty(await StoredForAsync(device));
    }

    /// <summary>Sends raw bytes to LocalHost and reads the answer's status line and headers (null when the connection just closes).</summary>
    private async Task<(int? Status, string Head)> RawAsync(string request)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, app.Host.BaseAddress.Port, timeout.Token);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.UTF8.GetBytes(request), timeout.Token);
        var received = new MemoryStream();
        var buffer = new byte[4096];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, timeout.Token)) > 0)
            {
                received.Write(buffer, 0, read);
            }
        }
        catch (IOException)
        {
            // Reset by the server: what was received so far is the answer.
        }

        var text = Encoding.UTF8.GetString(received.ToArray());
        var head = text.Split("\r\n\r\n")[0];
        return head.StartsWith("HTTP/1.1 ", StringComparison.Ordinal) && int.TryParse(head.AsSpan(9, 3), out var status)
            ? (status, head)
            : (null, head);
    }
}

/// <summary>A fresh stack whose confirmation bound is small, so that exceeding it disturbs no other test.</summary>
public sealed class ConfirmationLimitAppFixture : AppFixture
{
    public const int PermitLimit = 3;

    protected override void Configure(IDictionary<string, string?> settings)
    {
        settings["Destinations__ConfirmationPermitLimit"] = PermitLimit.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["Destinations__ConfirmationWindow"] = "01:00:00";
    }
}

/// <summary>Point 1 of issue 12: unauthenticated confirmations are bounded per instance, and unlisted ARNs leave no trace but one log line.</summary>
public sealed class ConfirmationLimitEndToEndTests(ConfirmationLimitAppFixture app) : IClassFixture<ConfirmationLimitAppFixture>
{
    [Fact]
    public async Task Unlisted_confirmations_store_nothing_log_once_and_beyond_the_bound_get_429_with_retry_after()
    {
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? last = null;
        for (var i = 0; i < 6; i++)
        {
            var arn = $"arn:aws:iot:us-east-1:123456789012:ruledestination/http/anyone-{i}";
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/clicks")
            {
                Content = JsonContent.Create(new { arn, confirmationToken = "tok" + i, enableUrl = "https://iot.us-east-1.amazonaws.com/confirmdestination/tok" + i, messageType = "DestinationConfirmation" }),
            };
            request.Headers.Add("x-amz-rules-engine-message-type", "DestinationConfirmation");
            last?.Dispose();
            last = await app.AnonymousClient.SendAsync(request);
            statuses.Add(last.StatusCode);
        }

        using (last)
        {
            Assert.Equal(
                [.. Enumerable.Repeat(HttpStatusCode.OK, ConfirmationLimitAppFixture.PermitLimit), .. Enumerable.Repeat(HttpStatusCode.TooManyRequests, 6 - ConfirmationLimitAppFixture.PermitLimit)],
                statuses);
            Assert.Equal("application/problem+json", last!.Content.Headers.ContentType?.MediaType);
            Assert.Equal(ProblemTypes.TooManyConfirmations, (await last.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("type").GetString());
            Assert.True(last.Headers.RetryAfter?.Delta > TimeSpan.Zero, "Retry-After in seconds");
        }

        Assert.Equal(0, await app.Destinations.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
        await Eventually.TrueAsync(() => Task.FromResult(app.Logs.Entries.Any(e => e.Message.Contains("answered 429", StringComparison.Ordinal))), TimeSpan.FromSeconds(10));
        Assert.Single(app.Logs.Entries, e => e.Message.Contains("not in Destinations:AllowedArns", StringComparison.Ordinal));
        Assert.Single(app.Logs.Entries, e => e.Message.Contains("answered 429", StringComparison.Ordinal));
        Assert.DoesNotContain(app.Logs.Entries, e => e.Level >= LogLevel.Error);

        // A token-bearing request is not held by the bound.
        using var click = await app.Client.PostAsync("/api/clicks", new StringContent("""{"deviceId":"esp32-limit-1","clickType":"single"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, click.StatusCode);
    }
}
