using System.Diagnostics;
using ButtonFunctions.Destinations;
using ButtonFunctions.Diagnostics;
using ButtonFunctions.Telemetry;
using ButtonFunctions.Tests.Auth;
using ButtonFunctions.Tests.Storage;
using ButtonFunctions.Tests.Support;
using MongoDB.Bson;
using MongoDB.Driver;

namespace ButtonFunctions.Tests.Telemetry;

/// <summary>
/// What an exporter receives for each kind of request: the app's counters and histograms with their tags, and one
/// activity per request carrying the AWS trace ids, with MongoDB.Driver's spans beneath it.
/// </summary>
[Collection(TelemetryGroup.Name)]
[Trait("Category", "Unit")]
public sealed class RequestTelemetryTests : IClassFixture<TestIssuer>, IClassFixture<StoreServerFixture>, IAsyncLifetime, IDisposable
{
    private const string Function = "IngestClicks";
    private static readonly string[] AcceptedTraceIds = ["trace-accept-1", "trace-accept-2"];
    private static readonly string[] ThrottledTraceIds = ["trace-throttled"];
    private readonly TestIssuer _issuer;
    private readonly StoreServerFixture _server;
    private readonly string _database = "telemetry_" + Guid.NewGuid().ToString("N")[..8];
    private readonly TelemetryCapture _capture = new();
    private readonly RequestPipeline _pipeline;

    public RequestTelemetryTests(TestIssuer issuer, StoreServerFixture server)
    {
        _issuer = issuer;
        _server = server;
        _pipeline = new RequestPipeline(issuer, server, _database);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await FailPoints.OffAsync(_pipeline.Client);
        await _pipeline.Client.DropDatabaseAsync(_database);
    }

    public void Dispose()
    {
        _pipeline.Dispose();
        _capture.Dispose();
    }

    private static string Clicks(params string[] traceIds) =>
        "[" + string.Join(",", traceIds.Select((t, i) =>
            $$"""{"serialNumber":"G030JF05536{{i}}XVRB","clickType":"SINGLE","topic":"iotbutton/G030JF05536{{i}}XVRB","receivedAtMs":1764064800123,"traceId":"{{t}}"}""")) + "]";

    [Fact]
    public async Task An_accepted_request_counts_its_clicks_and_traces_them_from_the_AWS_trace_id_to_the_store()
    {
        var answer = await _pipeline.PostAsync(Clicks("trace-accept-1", "trace-accept-2"), _issuer.WriterToken);

        Assert.Equal(201, answer.Status);
        Assert.Equal(1, _capture.Sum("buttonfunctions.requests", (AppMetrics.FunctionTag, Function), (AppMetrics.StatusClassTag, "2xx")));
        Assert.Equal(2, _capture.Sum("buttonfunctions.clicks.stored"));
        Assert.Equal(0, _capture.Sum("buttonfunctions.clicks.duplicate"));
        Assert.Equal((1, 2.0), _capture.Histogram("buttonfunctions.ingest.batch_size"));
        Assert.Equal(1, _capture.Histogram("buttonfunctions.store.duration", (AppMetrics.OutcomeTag, "stored")).Count);
        Assert.Equal(1, _capture.Sum("buttonfunctions.auth.token_cache.misses"));

        var activities = _capture.Activities();
        var request = Assert.Single(activities, a => a.Source.Name == AppTelemetry.Name);
        Assert.Equal(Function, request.DisplayName);
        Assert.Equal(AcceptedTraceIds, request.GetTagItem(AppTelemetry.AwsTraceIdAttribute));
        Assert.Equal(201, request.GetTagItem(RequestTelemetryMiddleware.StatusCodeAttribute));
        Assert.Equal(ActivityStatusCode.Unset, request.Status);

        // MongoDB.Driver's own spans sit under the request's activity: one trace from the AWS trace id to the insert.
        var insert = Assert.Single(activities, a => a.Source.Name == TelemetryApplicationBuilderExtensions.MongoDriverActivitySource
            && a.Kind == ActivityKind.Client && Equals(a.GetTagItem("db.command.name"), "insert"));
        Assert.Equal(request.TraceId, insert.TraceId);
        Assert.Null(insert.GetTagItem("db.query.text")); // the command text (device ids) is not exported
    }

    [Fact]
    public async Task A_retried_request_counts_duplicates_and_a_cached_token()
    {
        await _pipeline.PostAsync(Clicks("trace-dup-1", "trace-dup-2"), _issuer.WriterToken);

        var again = await _pipeline.PostAsync(Clicks("trace-dup-1", "trace-dup-2"), _issuer.WriterToken);

        Assert.Equal(200, again.Status);
        Assert.Equal(2, _capture.Sum("buttonfunctions.clicks.stored"));
        Assert.Equal(2, _capture.Sum("buttonfunctions.clicks.duplicate"));
        Assert.Equal(2, _capture.Sum("buttonfunctions.requests", (AppMetrics.StatusClassTag, "2xx")));
        Assert.Equal(1, _capture.Sum("buttonfunctions.auth.token_cache.hits"));
        Assert.Equal(1, _capture.Sum("buttonfunctions.auth.token_cache.misses"));
    }

    [Fact]
    public async Task Refused_clicks_and_refused_bodies_are_counted_by_reason()
    {
        var mixed = await _pipeline.PostAsync("""
            [{"serialNumber":"A","clickType":"SINGLE","traceId":"trace-mixed-ok"},
             {"serialNumber":"B","clickType":"TRIPLE"},
             {"serialNumber":"C","clickType":"SINGLE","topic":"iotbutton/D"}]
            """, _issuer.WriterToken);
        var broken = await _pipeline.PostAsync("{\"serialNumber\":", _issuer.WriterToken);

        Assert.Equal(400, mixed.Status);
        Assert.Equal(400, broken.Status);
        Assert.Equal(1, _capture.Sum("buttonfunctions.clicks.stored"));
        Assert.Equal(1, _capture.Sum("buttonfunctions.clicks.refused", (AppMetrics.ReasonTag, "click-type")));
        Assert.Equal(1, _capture.Sum("buttonfunctions.clicks.refused", (AppMetrics.ReasonTag, "topic-mismatch")));
        Assert.Equal(1, _capture.Sum("buttonfunctions.ingest.refused", (AppMetrics.ReasonTag, "invalid-json")));
        Assert.Equal(2, _capture.Sum("buttonfunctions.requests", (AppMetrics.StatusClassTag, "4xx")));
        Assert.Equal((1, 3.0), _capture.Histogram("buttonfunctions.ingest.batch_size"));
    }

    [Fact]
    public async Task Unauthorised_requests_are_counted_by_reason_and_traced_with_their_status()
    {
        var missing = await _pipeline.PostAsync(Clicks("trace-unauth"), bearer: null);
        var tampered = await _pipeline.PostAsync(Clicks("trace-unauth"), TokenForge.TamperSignature(_issuer.WriterToken));
        var expired = await _pipeline.PostAsync(Clicks("trace-unauth"), _issuer.Forge.Sign(c => c["exp"] = DateTimeOffset.UtcNow.AddHours(-2).ToUnixTimeSeconds()));
        var reader = await _pipeline.PostAsync(Clicks("trace-unauth"), _issuer.ReaderToken);

        Assert.Equal([401, 401, 401, 403], new[] { missing.Status, tampered.Status, expired.Status, reader.Status });
        Assert.Equal(1, _capture.Sum("buttonfunctions.auth.refused", (AppMetrics.ReasonTag, "missing-token")));
        Assert.Equal(1, _capture.Sum("buttonfunctions.auth.refused", (AppMetrics.ReasonTag, "bad-signature")));
        Assert.Equal(1, _capture.Sum("buttonfunctions.auth.refused", (AppMetrics.ReasonTag, "expired")));
        Assert.Equal(1, _capture.Sum("buttonfunctions.auth.refused", (AppMetrics.ReasonTag, "insufficient-scope")));
        Assert.Equal(4, _capture.Sum("buttonfunctions.requests", (AppMetrics.FunctionTag, Function), (AppMetrics.StatusClassTag, "4xx")));
        Assert.Equal(0, _capture.Sum("buttonfunctions.clicks.stored"));
        var requests = _capture.Activities().Where(a => a.Source.Name == AppTelemetry.Name).ToList();
        Assert.Equal([401, 401, 401, 403], requests.Select(a => (int)a.GetTagItem(RequestTelemetryMiddleware.StatusCodeAttribute)!));
        Assert.All(requests, a => Assert.Null(a.GetTagItem(AppTelemetry.AwsTraceIdAttribute))); // the body was never read
    }

    [Fact]
    public async Task A_throttled_store_counts_the_throttling_the_retries_and_the_429()
    {
        // Cosmos DB rate limiting on every insert, past a short retry budget.
        using var pipeline = new RequestPipeline(_issuer, _server, _database, retryBudget: TimeSpan.FromSeconds(2));
        await FailPoints.FailNextAsync(pipeline.Client, "insert", times: 1_000, appName: pipeline.AppName, data: new BsonDocument
        {
            { "errorCode", 16500 },
            { "errmsg", "Error=16500, RetryAfterMs=400, Details='Request rate is large'" },
        });

        var answer = await pipeline.PostAsync(Clicks("trace-throttled"), _issuer.WriterToken);

        Assert.Equal(429, answer.Status);
        var throttled = _capture.Sum("buttonfunctions.store.throttled");
        Assert.True(throttled >= 2, $"throttled answers: {throttled}");
        Assert.Equal(throttled - 1, _capture.Sum("buttonfunctions.store.retries", (AppMetrics.CauseTag, "throttled")));
        Assert.Equal(1, _capture.Sum("buttonfunctions.ingest.not_stored", (AppMetrics.OutcomeTag, "throttled")));
        Assert.Equal(1, _capture.Histogram("buttonfunctions.store.duration", (AppMetrics.OutcomeTag, "throttled")).Count);
        Assert.Equal(1, _capture.Sum("buttonfunctions.requests", (AppMetrics.StatusClassTag, "4xx")));
        Assert.Equal(0, _capture.Sum("buttonfunctions.clicks.stored"));
        var request = Assert.Single(_capture.Activities(), a => a.Source.Name == AppTelemetry.Name);
        Assert.Equal(ThrottledTraceIds, request.GetTagItem(AppTelemetry.AwsTraceIdAttribute));
        Assert.Equal(429, request.GetTagItem(RequestTelemetryMiddleware.StatusCodeAttribute));
    }

    [Fact]
    public async Task Destination_confirmations_are_counted_by_outcome()
    {
        const string Listed = "arn:aws:iot:eu-west-1:123456789012:ruledestination/http/listed";
        using var pipeline = new RequestPipeline(_issuer, _server, _database, new DestinationOptions
        {
            AllowedArns = { Listed },
            AllowedEnableUrlPrefixes = { "https://127.0.0.1:9/confirmdestination/" },
            ConfirmationPermitLimit = 3,
        });
        static string Confirmation(string arn) =>
            $$"""{"arn":"{{arn}}","confirmationToken":"tok123","enableUrl":"https://127.0.0.1:9/confirmdestination/tok123","messageType":"DestinationConfirmation"}""";
        var headers = new Dictionary<string, string> { ["x-amz-rules-engine-message-type"] = "DestinationConfirmation" };

        var confirmed = await pipeline.PostAsync(Confirmation(Listed), bearer: null, headers);
        var unlisted = await pipeline.PostAsync(Confirmation("arn:aws:iot:eu-west-1:123456789012:ruledestination/http/other"), bearer: null, headers);
        var invalid = await pipeline.PostAsync("""{"messageType":"DestinationConfirmation"}""", bearer: null, headers);
        var limited = await pipeline.PostAsync(Confirmation(Listed), bearer: null, headers);

        Assert.Equal([200, 200, 400, 429], new[] { confirmed.Status, unlisted.Status, invalid.Status, limited.Status });
        Assert.Equal(1, _capture.Sum("buttonfunctions.destinations.confirmations", (AppMetrics.OutcomeTag, "confirmed")));
        Assert.Equal(1, _capture.Sum("buttonfunctions.destinations.confirmations", (AppMetrics.OutcomeTag, "unlisted")));
        Assert.Equal(1, _capture.Sum("buttonfunctions.destinations.confirmations", (AppMetrics.OutcomeTag, "invalid")));
        Assert.Equal(1, _capture.Sum("buttonfunctions.destinations.confirmations", (AppMetrics.OutcomeTag, "rate-limited")));
        Assert.Equal(1, _capture.Sum("buttonfunctions.auth.refused", (AppMetrics.ReasonTag, "too-many-confirmations")));
        Assert.Equal(2, _capture.Sum("buttonfunctions.requests", (AppMetrics.StatusClassTag, "2xx")));
    }

    [Fact]
    public async Task No_metric_tag_carries_a_device_id_a_client_id_or_a_trace_id()
    {
        await _pipeline.PostAsync(Clicks("trace-tags-1"), _issuer.WriterToken);
        await _pipeline.PostAsync("""[{"serialNumber":"G030TAGS","clickType":"TRIPLE"}]""", _issuer.WriterToken);
        await _pipeline.PostAsync(Clicks("trace-tags-2"), _issuer.StrangerToken);

        var tags = _capture.AllTags().ToList();

        Assert.NotEmpty(tags);
        Assert.All(tags, t => Assert.DoesNotContain("G030", t.Value ?? string.Empty, StringComparison.Ordinal));
        Assert.All(tags, t => Assert.DoesNotContain(TestIssuer.Writer, t.Value ?? string.Empty, StringComparison.Ordinal));
        Assert.All(tags, t => Assert.DoesNotContain(TestIssuer.Stranger, t.Value ?? string.Empty, StringComparison.Ordinal));
        Assert.All(tags, t => Assert.DoesNotContain("trace-tags", t.Value ?? string.Empty, StringComparison.Ordinal));
        string[] allowed = [AppMetrics.CauseTag, AppMetrics.FunctionTag, AppMetrics.OutcomeTag, AppMetrics.ReasonTag, AppMetrics.StatusClassTag];
        Assert.All(tags, t => Assert.Contains(t.Key, allowed));
    }
}
