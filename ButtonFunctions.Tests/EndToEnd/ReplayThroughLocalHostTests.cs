using ButtonFunctions.Tests.Simulator;
using ButtonSimulator.Delivery;
using ButtonSimulator.ErrorAction;
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

    /// <summary>Tokens from the fixture's LocalIssuer for its writer client, counted.</summary>
    private sealed class FixtureTokens(AppFixture fixture) : IAccessTokenSource
    {
        public int Requests;

        public async ValueTask<string> GetTokenAsync(CancellationToken ct)
        {
            Interlocked.Increment(ref Requests);
            return await fixture.IssueTokenAsync(AppFixture.WriterClientId);
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
}
