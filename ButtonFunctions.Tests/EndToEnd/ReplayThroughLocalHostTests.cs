using ButtonFunctions.Tests.Simulator;
using ButtonSimulator.Delivery;
using ButtonSimulator.ErrorAction;
using ButtonSimulator.Load;
using ButtonSimulator.Payloads;
using ButtonSimulator.Tokens;
using MongoDB.Bson;
using MongoDB.Driver;

namespace ButtonFunctions.Tests.EndToEnd;

/// <summary>The simulator's error-action records replayed through the real function under LocalHost.</summary>
[Collection(SharedApp.Name)]
public sealed class ReplayThroughLocalHostTests(SharedAppFixture fixture) : IDisposable
{
    private readonly string _errors = Directory.CreateTempSubdirectory("e2e-errors-").FullName;
    private readonly HttpClient _http = new() { Timeout = Timeout.InfiniteTimeSpan };

    public void Dispose()
    {
        _http.Dispose();
        Directory.Delete(_errors, recursive: true);
    }

    /// <summary>Tokens from the fixture's LocalIssuer for one of its clients (the writer unless told), counted.</summary>
    private sealed class FixtureTokens(AppFixture fixture, string clientId = AppFixture.WriterClientId) : IAccessTokenSource
    {
        public int Requests;

        public async ValueTask<string> GetTokenAsync(CancellationToken ct)
        {
            Interlocked.Increment(ref Requests);
            return await fixture.IssueTokenAsync(clientId);
        }

        public ValueTask<string> RefreshAsync(string refusedToken, CancellationToken ct) => GetTokenAsync(ct);
    }

    [Fact]
    public async Task Replaying_records_of_accepted_and_unaccepted_clicks_stores_every_click_exactly_once()
    {
        var url = new Uri(fixture.Host.BaseAddress, "api/clicks");
        var tokens = new FixtureTokens(fixture);
        var sender = new HttpActionSender(_http, url, tokens, TimeProvider.System, AwsRetryPolicy.Aws with { RetryDelay = TimeSpan.Zero });
        var now = DateTimeOffset.UtcNow;
        var device = "E2E" + Guid.NewGuid().ToString("N")[..10].ToUpperInvariant();
        var clicks = new[]
        {
            ClickPayloads.Click(ButtonShape.Classic, device, ClickType.Single, now),
            ClickPayloads.Click(ButtonShape.Mqtt, device, ClickType.Double, now.AddSeconds(1)),
            ClickPayloads.Click(ButtonShape.OneClick, device, ClickType.Long, now.AddSeconds(2)),
            ClickPayloads.Click(ButtonShape.Classic, device, ClickType.Long, now.AddSeconds(3)),
        };

        // The first two reached the function (AWS then saw a timeout, say, and gave up); the others never did.
        foreach (var accepted in clicks[..2])
        {
            Assert.Equal(DeliveryOutcome.Accepted, (await sender.SendAsync([accepted], asBatch: false, CancellationToken.None)).Outcome);
        }

        // What the error action wrote for all four.
        var folder = new ErrorActionFolder(_errors);
        foreach (var click in clicks)
        {
            await folder.WriteAsync(ErrorActionRecord.For(click, "button_clicks_to_azure", url, "Failed to send message to HTTP endpoint. Request timed out"), CancellationToken.None);
        }

        var replay = await new Replayer(sender).ReplayAsync(ErrorActionReader.Read([_errors]), null, CancellationToken.None);

        Assert.Equal((2, 2, 0), (replay.Replayed, replay.Duplicate, replay.Failed));
        var stored = await fixture.Clicks.Find(Builders<BsonDocument>.Filter.Eq("deviceId", device)).ToListAsync();
        Assert.Equal(clicks.Select(c => c.TraceId).Order(StringComparer.Ordinal), stored.Select(d => d["_id"].AsString).Order(StringComparer.Ordinal));
        Assert.Equal(["DOUBLE", "LONG", "LONG", "SINGLE"], stored.Select(d => d["clickType"].AsString).Order(StringComparer.Ordinal));

        // Replaying again changes nothing.
        var again = await new Replayer(sender).ReplayAsync(ErrorActionReader.Read([_errors]), null, CancellationToken.None);
        Assert.Equal((0, 4, 0), (again.Replayed, again.Duplicate, again.Failed));
        Assert.Equal(4, await fixture.Clicks.CountDocumentsAsync(Builders<BsonDocument>.Filter.Eq("deviceId", device)));
    }

    [Fact]
    public async Task A_batched_record_of_ten_clicks_of_which_four_were_stored_replays_six_and_finds_four_duplicates()
    {
        var url = new Uri(fixture.Host.BaseAddress, "api/clicks");
        var sender = new HttpActionSender(_http, url, new FixtureTokens(fixture), TimeProvider.System, AwsRetryPolicy.Aws with { RetryDelay = TimeSpan.Zero });
        var device = "BATCH" + Guid.NewGuid().ToString("N")[..10].ToUpperInvariant();
        var now = DateTimeOffset.UtcNow;
        var clicks = Enumerable.Range(0, 10)
            .Select(i => ClickPayloads.Click((ButtonShape)(i % 3), device, (ClickType)(i % 3), now.AddMilliseconds(i)))
            .ToArray();

        // Four got stored before the batch failed (say AWS saw a timeout); AWS then wrote the whole batch.
        Assert.Equal(DeliveryOutcome.Accepted, (await sender.SendAsync(clicks[..4], asBatch: true, CancellationToken.None)).Outcome);
        await new ErrorActionFolder(_errors).WriteAsync(
            ErrorActionRecord.ForBatch(clicks, acrossTopics: false, "button_clicks_to_azure", url, "Failed to send message to HTTP endpoint. Request timed out"), CancellationToken.None);

        var replay = await new Replayer(sender).ReplayAsync(ErrorActionReader.Read([_errors]), null, CancellationToken.None);

        Assert.Equal((6, 4, 0), (replay.Replayed, replay.Duplicate, replay.Failed));
        var stored = await fixture.Clicks.Find(Builders<BsonDocument>.Filter.Eq("deviceId", device)).ToListAsync();
        Assert.Equal(clicks.Select(c => c.TraceId).Order(StringComparer.Ordinal), stored.Select(d => d["_id"].AsString).Order(StringComparer.Ordinal));

        var again = await new Replayer(sender).ReplayAsync(ErrorActionReader.Read([_errors]), null, CancellationToken.None);
        Assert.Equal((0, 10, 0), (again.Replayed, again.Duplicate, again.Failed));
        Assert.Equal(10, await fixture.Clicks.CountDocumentsAsync(Builders<BsonDocument>.Filter.Eq("deviceId", device)));
    }

    [Fact]
    public async Task A_batched_run_the_function_refuses_replays_into_exactly_the_clicks_it_sent()
    {
        var url = new Uri(fixture.Host.BaseAddress, "api/clicks");
        var policy = AwsRetryPolicy.Aws with { RetryDelay = TimeSpan.Zero };
        // The reader client's token lacks write:clicks: the function answers 403 to every request.
        var refused = new HttpActionSender(_http, url, new FixtureTokens(fixture, AppFixture.ReaderClientId), TimeProvider.System, policy, new ErrorActionFolder(_errors));
        var settings = new LoadSettings(Buttons: 4, ClicksPerSecondPerButton: 10, Duration: TimeSpan.FromSeconds(1), ButtonShape.Mqtt, new BatchSettings(WindowMs: 50, MaxMessages: 10));

        var run = await new LoadRunner(refused, settings, TimeProvider.System).RunAsync(CancellationToken.None);

        Assert.Equal(40, run.Statistics.Sent);
        Assert.Equal(0, run.Statistics.Accepted);
        Assert.Equal(40, run.Statistics.Rejected);
        var records = ErrorActionReader.Read([_errors]).Select(r => r.Record!).ToList();
        Assert.All(records, r => Assert.True(r.IsBatched));
        Assert.Equal(run.Statistics.Requests, records.Count);
        var sentIds = records.SelectMany(r => r.PayloadsWithMetadata!.Select(e => e.CloudwatchTraceId!)).ToList();
        Assert.Equal(40, sentIds.Distinct(StringComparer.Ordinal).Count());

        var writer = new HttpActionSender(_http, url, new FixtureTokens(fixture), TimeProvider.System, policy);
        var replay = await new Replayer(writer).ReplayAsync(ErrorActionReader.Read([_errors]), null, CancellationToken.None);

        Assert.Equal((40, 0, 0), (replay.Replayed, replay.Duplicate, replay.Failed));
        var stored = await fixture.Clicks.Find(Builders<BsonDocument>.Filter.In("_id", sentIds)).ToListAsync();
        Assert.Equal(sentIds.Order(StringComparer.Ordinal), stored.Select(d => d["_id"].AsString).Order(StringComparer.Ordinal));
        var again = await new Replayer(writer).ReplayAsync(ErrorActionReader.Read([_errors]), null, CancellationToken.None);
        Assert.Equal((0, 40, 0), (again.Replayed, again.Duplicate, again.Failed));
    }
}
