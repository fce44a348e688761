using ButtonFunctions.Clicks;
using ButtonFunctions.Storage;
using MongoDB.Bson;
using MongoDB.Driver;

namespace ButtonFunctions.Tests.Storage;

/// <summary>
/// What <see cref="ClickReader.SummarizeAsync"/> computes, on a known data set, against LocalMongo or (with
/// BUTTONS_TEST_MONGODB_URI) a real MongoDB / Cosmos DB: the pipelines must give these figures on the real server too.
/// </summary>
public sealed class ClickSummaryContractTests(StoreServerFixture server) : IClassFixture<StoreServerFixture>, IAsyncLifetime
{
    private static readonly DateTime T0 = new(2026, 11, 25, 0, 0, 0, DateTimeKind.Utc);
    private static readonly BatteryThresholds Thresholds = new(1500, 10);

    private readonly ReaderHarness _harness = new(server);

    public Task InitializeAsync() => _harness.InitializeAsync();

    public Task DisposeAsync() => _harness.DisposeAsync();

    private static SummaryRequest Request(DateTime from, DateTime to, SummaryBucket bucket = SummaryBucket.Hour, int maxDevices = 1_000) =>
        new(new DateTimeOffset(from), new DateTimeOffset(to), bucket, Thresholds, maxDevices);

    private async Task<ClickSummaryReport> SummarizeAsync(SummaryRequest request)
    {
        var result = await _harness.Reader.SummarizeAsync(request, default);
        Assert.Equal(ReadOutcome.Ok, result.Outcome);
        return result.Value!;
    }

    private Task SeedAsync(params BsonDocument[] docs) => _harness.Clicks.InsertManyAsync(docs);

    [Fact]
    public async Task Counts_first_and_last_seen_battery_and_hourly_buckets_match_the_data_set()
    {
        await SeedAsync(
            ReaderHarness.Doc("a1", "A", "SINGLE", T0.AddHours(1).AddMinutes(5), millivolts: 1705),
            ReaderHarness.Doc("a2", "A", "DOUBLE", T0.AddHours(1).AddMinutes(50), millivolts: 1600),
            ReaderHarness.Doc("a3", "A", "LONG", T0.AddHours(4).AddMinutes(15), millivolts: 1500),   // at the threshold: low
            ReaderHarness.Doc("a4", "A", "SINGLE", T0.AddHours(5)),                                    // no reading: the older one stands
            ReaderHarness.Doc("b1", "B", "SINGLE", T0.AddHours(2), remainingLife: 5.0),
            ReaderHarness.Doc("b2", "B", "SINGLE", T0.AddHours(3), remainingLife: 80.5),
            ReaderHarness.Doc("c1", "C", "DOUBLE", T0.AddHours(1)),                                    // at `from`: inside
            ReaderHarness.Doc("c0", "C", "DOUBLE", T0.AddHours(1).AddMilliseconds(-1)),                // before `from`
            ReaderHarness.Doc("a9", "A", "LONG", T0.AddHours(25), millivolts: 1000));                  // at `to`: outside

        var report = await SummarizeAsync(Request(T0.AddHours(1), T0.AddHours(25)));

        Assert.Equal(new SummaryTotals(7, new ClickTypeCounts(4, 2, 1), 3, 1), report.Totals);
        Assert.False(report.DevicesTruncated);
        Assert.Equal(["A", "B", "C"], report.Devices.Select(d => d.DeviceId));
        var a = report.Devices[0];
        Assert.Equal((4L, new ClickTypeCounts(2, 1, 1)), (a.Total, a.ByType));
        Assert.Equal((new DateTimeOffset(T0.AddHours(1).AddMinutes(5)), new DateTimeOffset(T0.AddHours(5))), (a.FirstSeen, a.LastSeen));
        Assert.Equal(new BatteryReading(1500, null, new DateTimeOffset(T0.AddHours(4).AddMinutes(15)), Low: true), a.Battery);
        Assert.Equal(new BatteryReading(null, 80.5, new DateTimeOffset(T0.AddHours(3)), Low: false), report.Devices[1].Battery);
        Assert.Null(report.Devices[2].Battery);
        Assert.Equal(
            [(T0.AddHours(1), 3L), (T0.AddHours(2), 1L), (T0.AddHours(3), 1L), (T0.AddHours(4), 1L), (T0.AddHours(5), 1L)],
            report.Series.Select(p => (p.Start.UtcDateTime, p.Clicks)));
    }

    [Fact]
    public async Task Either_reading_at_or_below_its_threshold_is_low_and_above_both_is_not()
    {
        await SeedAsync(
            ReaderHarness.Doc("1", "mv-low", "SINGLE", T0, millivolts: 1499),
            ReaderHarness.Doc("2", "mv-ok", "SINGLE", T0, millivolts: 1501),
            ReaderHarness.Doc("3", "rl-low", "SINGLE", T0, remainingLife: 10.0),
            ReaderHarness.Doc("4", "rl-ok", "SINGLE", T0, remainingLife: 10.01),
            ReaderHarness.Doc("5", "none", "SINGLE", T0));

        var report = await SummarizeAsync(Request(T0, T0.AddHours(1)));

        var low = report.Devices.ToDictionary(d => d.DeviceId, d => d.Battery?.Low);
        Assert.Equal(true, low["mv-low"]);
        Assert.Equal(false, low["mv-ok"]);
        Assert.Equal(true, low["rl-low"]);
        Assert.Equal(false, low["rl-ok"]);
        Assert.Null(low["none"]);
        Assert.Equal(2, report.Totals.LowBatteryDevices);
    }

    [Fact]
    public async Task The_latest_reading_wins_and_a_tie_in_time_goes_to_the_greater_id()
    {
        await SeedAsync(
            ReaderHarness.Doc("x-1", "D", "SINGLE", T0.AddMinutes(1), millivolts: 1400),
            ReaderHarness.Doc("x-3", "D", "SINGLE", T0.AddMinutes(2), millivolts: 1650),
            ReaderHarness.Doc("x-2", "D", "SINGLE", T0.AddMinutes(2), millivolts: 1300));

        var battery = Assert.Single((await SummarizeAsync(Request(T0, T0.AddHours(1)))).Devices).Battery;

        Assert.Equal(new BatteryReading(1650, null, new DateTimeOffset(T0.AddMinutes(2)), Low: false), battery);
    }

    [Fact]
    public async Task Devices_are_capped_by_last_seen_while_totals_count_them_all()
    {
        await SeedAsync([.. Enumerable.Range(0, 7).Select(i => ReaderHarness.Doc($"k{i}", $"dev-{i}", "SINGLE", T0.AddMinutes(i), millivolts: i < 3 ? 1000 : 1700))]);

        var report = await SummarizeAsync(Request(T0, T0.AddHours(1), maxDevices: 4));

        Assert.True(report.DevicesTruncated);
        Assert.Equal(["dev-6", "dev-5", "dev-4", "dev-3"], report.Devices.Select(d => d.DeviceId));
        Assert.Equal(new SummaryTotals(7, new ClickTypeCounts(7, 0, 0), 7, 3), report.Totals);
        var exact = await SummarizeAsync(Request(T0, T0.AddHours(1), maxDevices: 7));
        Assert.False(exact.DevicesTruncated);
        Assert.Equal(7, exact.Devices.Count);
    }

    [Fact]
    public async Task Daily_buckets_start_at_utc_midnight()
    {
        await SeedAsync(
            ReaderHarness.Doc("1", "D", "SINGLE", T0.AddMilliseconds(-1)),
            ReaderHarness.Doc("2", "D", "SINGLE", T0),
            ReaderHarness.Doc("3", "D", "LONG", T0.AddHours(23).AddMinutes(59)),
            ReaderHarness.Doc("4", "D", "DOUBLE", T0.AddDays(2).AddHours(12)));

        var report = await SummarizeAsync(Request(T0.AddDays(-2), T0.AddDays(5), SummaryBucket.Day));

        Assert.Equal([(T0.AddDays(-1), 1L), (T0, 2L), (T0.AddDays(2), 1L)], report.Series.Select(p => (p.Start.UtcDateTime, p.Clicks)));
    }

    [Fact]
    public async Task A_range_without_clicks_gives_zeros_and_nothing_listed()
    {
        await SeedAsync(ReaderHarness.Doc("1", "D", "SINGLE", T0));

        var report = await SummarizeAsync(Request(T0.AddDays(1), T0.AddDays(2)));

        Assert.Equal(new SummaryTotals(0, new ClickTypeCounts(0, 0, 0), 0, 0), report.Totals);
        Assert.Empty(report.Devices);
        Assert.Empty(report.Series);
        Assert.False(report.DevicesTruncated);
    }

    [Fact]
    public async Task Summary_rate_limiting_past_the_budget_ends_throttled()
    {
        await SeedAsync(ReaderHarness.Doc("1", "D", "SINGLE", T0));
        // A hint longer than the whole budget (2.5 s) ends the read at once: waiting could not help.
        await _harness.FailNextAsync("aggregate", times: 1_000, new BsonDocument { { "errorCode", 16500 }, { "errmsg", "Error=16500, RetryAfterMs=3000" } });

        var result = await _harness.Reader.SummarizeAsync(Request(T0, T0.AddHours(1)), default);

        Assert.Equal(ReadOutcome.Throttled, result.Outcome);
        Assert.Equal(TimeSpan.FromSeconds(3), result.RetryAfter);
        Assert.Empty(_harness.Time.Waits);
    }

    [Fact]
    public void The_pipelines_use_only_the_stages_and_operators_listed_for_cosmos_db_7_0()
    {
        // README "Cosmos DB features the read API relies on" lists these, each marked supported on Microsoft's page.
        string[] documented =
        [
            "$match", "$sort", "$group", "$addFields", "$facet", "$limit",
            "$gte", "$lt", "$sum", "$min", "$max", "$cond", "$eq", "$gt", "$lte", "$and", "$or", "$subtract", "$mod", "$toLong",
        ];
        var request = Request(T0, T0.AddDays(3), SummaryBucket.Day);
        var used = ClickReader.DevicesPipeline(request).Concat(ClickReader.SeriesPipeline(request))
            .SelectMany(stage => Operators(stage)).ToHashSet(StringComparer.Ordinal);

        Assert.Empty(used.Except(documented));
        Assert.Equal("$match", ClickReader.DevicesPipeline(request)[0].GetElement(0).Name);
        Assert.Equal("$match", ClickReader.SeriesPipeline(request)[0].GetElement(0).Name);

        static IEnumerable<string> Operators(BsonValue value) => value switch
        {
            BsonDocument d => d.Elements.SelectMany(e => (e.Name.StartsWith('$') ? [e.Name] : Array.Empty<string>()).Concat(Operators(e.Value))),
            BsonArray a => a.SelectMany(Operators),
            _ => [],
        };
    }
}
