using System.Diagnostics;
using System.Globalization;
using ButtonFunctions.Tests.Support;
using ButtonSimulator.Delivery;
using ButtonSimulator.ErrorAction;
using ButtonSimulator.Load;
using ButtonSimulator.Payloads;
using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;

namespace ButtonFunctions.Tests.Reliability;

/// <summary>
/// Sustained simulator load (20 buttons, rule-enriched clicks, single and batched deliveries with AWS's retry rules)
/// through LocalHost and the real worker into LocalMongo, while the store throttles, drops connections or hangs, or
/// the worker is killed. After each scenario the simulator's ledger is reconciled with the store by trace id: every
/// click the function accepted is stored once, every click the simulator gave up on is in its error-action records,
/// replaying those stores the rest, and nothing is stored twice. README "Performance and reliability" says what
/// this guarantees and what it does not.
/// </summary>
[Trait("Category", "Reliability")]
[Collection(ReliabilityScenarios.Name)]
public sealed class ReliabilityScenarioTests(ReliabilityFixture fixture, ITestOutputHelper output) : IDisposable
{
    private const int Buttons = 20;

    // What Cosmos DB for MongoDB answers when a collection's RU/s are exceeded (docs/architecture.md, "Cosmos DB").
    private const string RateLimited = "Request rate is large. More Request Units may be needed, so no changes were made. Please retry this request later. RetryAfterMs=20";

    private readonly string _errors = Directory.CreateTempSubdirectory("reliability-errors-").FullName;
    private readonly HttpClient _http = new() { Timeout = Timeout.InfiniteTimeSpan };

    public void Dispose()
    {
        _http.Dispose();
        Directory.Delete(_errors, recursive: true);
    }

    /// <summary>The scenario's fault side, run alongside the load: it returns how often its fault fired.</summary>
    private sealed record ScenarioControl(ClickLedger Ledger, Task LoadCompleted);

    private static LoadSettings Load(bool batched, double clicksPerSecondPerButton, int seconds) => new(
        Buttons,
        clicksPerSecondPerButton,
        TimeSpan.FromSeconds(seconds),
        ButtonShape.Classic,
        // A 50 ms window collects about ten clicks per batch at 200 clicks/s (README, "Batching batches only…").
        batched ? new BatchSettings(WindowMs: 50, MaxMessages: 10) : null);

    [Theory]
    [InlineData(false, null)]
    [InlineData(true, null)]
    [InlineData(true, 3)]
    public async Task Throttling_a_fifth_of_inserts_loses_no_click_and_stores_none_twice(bool batched, int? writeErrorsFrom)
    {
        var shape = writeErrorsFrom is { } from ? $"batches, partial: first {from} of each insert stored" : batched ? "batches, whole inserts" : "singles";
        var data = new BsonDocument
        {
            { "failCommands", new BsonArray { "insert" } },
            { "errorCode", 16500 },
            { "errmsg", RateLimited },
        };
        if (writeErrorsFrom is { } k)
        {
            data.Add("writeErrorsFrom", k);
        }

        await RunScenarioAsync($"throttle 20% 16500 ({shape})", Load(batched, batched ? 10 : 5, seconds: 6), "inserts throttled", async control =>
        {
            await FailPoints.ConfigureAsync(fixture.Admin, new BsonDocument("activationProbability", 0.2), data);
            await control.LoadCompleted;
            return (await FailPoints.OffAsync(fixture.Admin))["count"].ToInt64();
        });
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Dropping_a_fifth_of_insert_connections_loses_no_click_and_stores_none_twice(bool batched)
    {
        var data = new BsonDocument
        {
            { "failCommands", new BsonArray { "insert" } },
            { "closeConnection", true },
        };

        await RunScenarioAsync($"drop 20% of insert connections ({(batched ? "batches" : "singles")})", Load(batched, batched ? 10 : 5, seconds: 6), "connections dropped", async control =>
        {
            await FailPoints.ConfigureAsync(fixture.Admin, new BsonDocument("activationProbability", 0.2), data);
            await control.LoadCompleted;
            return (await FailPoints.OffAsync(fixture.Admin))["count"].ToInt64();
        });
    }

    [Fact]
    public async Task Inserts_hanging_past_the_retry_budget_for_seconds_lose_no_click_once_replayed()
    {
        // Every insert is held 3 s, longer than the app's whole retry budget (Mongo:RetryBudget, 2.5 s): the function
        // answers 503, AWS retries, and clicks whose three tries all fall in the outage go to the error action. The
        // outage lasts until at least one delivery was given up (so the replay path is always exercised), and 6 s at least.
        var data = new BsonDocument
        {
            { "failCommands", new BsonArray { "insert" } },
            { "blockConnection", true },
            { "blockTimeMS", 3000 },
        };

        await RunScenarioAsync("block inserts 3 s (> 2.5 s retry budget) for >= 6 s (singles)", Load(batched: false, 2, seconds: 16), "inserts blocked", async control =>
        {
            await Eventually.TrueAsync(() => control.Ledger.Deliveries >= 20, TimeSpan.FromSeconds(60), "the load never got going");
            await FailPoints.ConfigureAsync(fixture.Admin, "alwaysOn", data);
            await Task.Delay(TimeSpan.FromSeconds(6));
            await Eventually.TrueAsync(() => control.Ledger.GaveUpDeliveries > 0, TimeSpan.FromSeconds(60), "no delivery was given up while inserts hung");
            return (await FailPoints.OffAsync(fixture.Admin))["count"].ToInt64();
        });
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Killing_the_worker_mid_load_loses_no_click_once_replayed(bool batched)
    {
        await RunScenarioAsync($"SIGKILL the worker mid-load ({(batched ? "batches" : "singles")})", Load(batched, batched ? 10 : 3, seconds: 10), "worker killed and restarted", async control =>
        {
            await Eventually.TrueAsync(() => control.Ledger.Deliveries >= (batched ? 10 : 40), TimeSpan.FromSeconds(60), "the load never got going");
            var killed = fixture.Host.WorkerProcessId;
            Assert.NotEqual(0, killed);
            using (var worker = Process.GetProcessById(killed))
            {
                worker.Kill(); // SIGKILL on Linux: no shutdown, in-flight requests and inserts cut wherever they are
            }

            await Eventually.TrueAsync(() => fixture.Host.WorkerProcessId is not 0 && fixture.Host.WorkerProcessId != killed, TimeSpan.FromSeconds(90),
                "LocalHost did not restart the killed worker");
            return 1;
        });
    }

    private async Task RunScenarioAsync(string name, LoadSettings load, string firedWhat, Func<ScenarioControl, Task<long>> faults)
    {
        await FailPoints.OffAsync(fixture.Admin);
        await fixture.Clicks.DeleteManyAsync(FilterDefinition<BsonDocument>.Empty);
        await WaitUntilServingAsync();

        using var tokens = fixture.Tokens(_http);
        var sender = new HttpActionSender(_http, fixture.IngestUrl, tokens, TimeProvider.System, AwsRetryPolicy.Aws, new ErrorActionFolder(_errors));
        var ledger = new ClickLedger();
        var loadRun = new LoadRunner(sender, load, TimeProvider.System, ledger).RunAsync(CancellationToken.None);
        long fired;
        try
        {
            fired = await faults(new ScenarioControl(ledger, loadRun));
        }
        finally
        {
            await FailPoints.OffAsync(fixture.Admin);
        }

        var summary = await loadRun;

        // Before any replay: what the function accepted is stored, and what the simulator gave up on is on record.
        var accepted = ledger.Accepted;
        var gaveUp = ledger.GaveUp;
        var beforeReplay = await StoreSnapshot.ReadAsync(fixture.Clicks);
        var acceptedMissing = accepted.Count(id => !beforeReplay.CopiesByTraceId.ContainsKey(id));
        var recorded = ErrorActionTraceIds.Read(_errors);

        // The function must be back (a killed worker restarted) before the replay, as an operator would wait for it.
        await WaitUntilServingAsync();
        var replayer = new Replayer(new HttpActionSender(_http, fixture.IngestUrl, tokens, TimeProvider.System, AwsRetryPolicy.Aws));
        var replay = await replayer.ReplayAsync(ErrorActionReader.Read([_errors]), null, CancellationToken.None);

        var after = await StoreSnapshot.ReadAsync(fixture.Clicks);
        var sent = ledger.Sent;
        var stored = sent.Count(after.CopiesByTraceId.ContainsKey);
        var unexpected = after.CopiesByTraceId.Keys.Count(id => !sent.Contains(id)) + after.WithoutTraceId;
        var lost = sent.Count - stored;

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name}: sent {sent.Count} stored {stored} duplicates {after.Duplicates} lost {lost}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {fired} {firedWhat}; {ledger.Deliveries} requests, {ledger.Retries} AWS retries; accepted {accepted.Count}, gave up {gaveUp.Count} " +
            $"({recorded.Count} in error-action records, {beforeReplay.CopiesByTraceId.Keys.Count(gaveUp.Contains)} of them stored before the replay); " +
            $"replay stored {replay.Replayed}, found {replay.Duplicate} already stored, failed {replay.Failed}"));
        foreach (var problem in replay.Problems.Take(5))
        {
            output.WriteLine("  replay problem: " + problem);
        }

        Assert.True(fired > 0, $"the fault never fired ({firedWhat}): the scenario tested nothing");
        Assert.Equal(0, ledger.ReusedTraceIds);
        Assert.Equal(summary.Statistics.Sent, sent.Count);
        Assert.Equal((long)Math.Round(load.Buttons * load.ClicksPerSecondPerButton * load.Duration.TotalSeconds), sent.Count);
        Assert.Equal(0, acceptedMissing);
        Assert.Equal(recorded.Count, recorded.Distinct(StringComparer.Ordinal).Count());
        Assert.True(gaveUp.SetEquals(recorded), $"error-action records ({recorded.Count}) are not exactly the {gaveUp.Count} clicks given up");
        Assert.Equal(0, replay.Failed);
        Assert.Equal(gaveUp.Count, replay.Replayed + replay.Duplicate);
        Assert.Equal(0, lost);
        Assert.Equal(0, after.Duplicates);
        Assert.Equal(0, unexpected);
        Assert.Equal(0, after.IdNotTraceId);
    }

    private Task WaitUntilServingAsync() =>
        Eventually.TrueAsync(async () =>
        {
            try
            {
                using var response = await _http.GetAsync(new Uri(fixture.Host.BaseAddress, "api/health"));
                return response.IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(90), "the function did not serve /api/health");
}
