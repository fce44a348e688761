using ButtonFunctions.Clicks;
using ButtonFunctions.Storage;
using ButtonFunctions.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MongoDB.Bson;
using MongoDB.Driver;

namespace ButtonFunctions.Tests.Storage;

/// <summary>
/// What <see cref="ClickReader"/> promises for pages, checked against a MongoDB wire-protocol server: LocalMongo by
/// default, a real MongoDB / Cosmos DB when BUTTONS_TEST_MONGODB_URI is set. Each test has its own database.
/// </summary>
public sealed class ClickReaderContractTests(StoreServerFixture server) : IClassFixture<StoreServerFixture>, IAsyncLifetime
{
    internal static readonly DateTime T0 = new(2026, 11, 25, 18, 0, 0, DateTimeKind.Utc);

    private readonly ReaderHarness _harness = new(server);

    public Task InitializeAsync() => _harness.InitializeAsync();

    public Task DisposeAsync() => _harness.DisposeAsync();

    private ClickReader Reader => _harness.Reader;

    private IMongoCollection<BsonDocument> Clicks => _harness.Clicks;

    private static List<string> Ids(ClickPage page) => [.. page.Items.Select(c => c.Id)];

    private async Task<ClickPage> PageAsync(ClickFilter filter, ClickPosition? after = null, int limit = 50)
    {
        var result = await Reader.ListAsync(filter, after, limit, default);
        Assert.Equal(ReadOutcome.Ok, result.Outcome);
        return result.Value!;
    }

    /// <summary>Follows the positions to the end; bounded by <paramref name="maxPages"/>.</summary>
    private async Task<List<List<string>>> AllPagesAsync(ClickFilter filter, int limit, int maxPages = 100)
    {
        var pages = new List<List<string>>();
        ClickPosition? after = null;
        do
        {
            var page = await PageAsync(filter, after, limit);
            pages.Add(Ids(page));
            after = page.Next;
        }
        while (after is not null && pages.Count < maxPages);

        Assert.Null(after);
        return pages;
    }

    [Fact]
    public async Task Clicks_come_newest_first_and_ties_in_time_by_id_descending()
    {
        await Clicks.InsertManyAsync(
        [
            ReaderHarness.Doc("b", "dev-1", "SINGLE", T0),
            ReaderHarness.Doc("a", "dev-1", "SINGLE", T0),
            ReaderHarness.Doc("c", "dev-2", "LONG", T0.AddSeconds(-1)),
            ReaderHarness.Doc("z", "dev-2", "DOUBLE", T0.AddMilliseconds(1)),
        ]);

        var page = await PageAsync(ClickFilter.None);

        Assert.Equal(["z", "b", "a", "c"], Ids(page));
        Assert.Null(page.Next);
    }

    [Fact]
    public async Task A_click_stored_by_the_store_reads_back_with_every_field()
    {
        var store = _harness.CreateStore();
        var click = new ClickEvent
        {
            Id = "5a0b1f0e",
            DeviceId = "G030PM0123456789",
            ClickType = ClickTypes.LongPress,
            OccurredAt = new DateTimeOffset(T0).AddMilliseconds(250),
            ReceivedAt = new DateTimeOffset(T0).AddSeconds(1),
            Source = ClickSources.IotOneClick,
            RemainingLife = 5.0,
            Topic = "iotbutton/G030PM0123456789",
            TraceId = "5a0b1f0e",
            ClientId = "client-1",
            Placement = new ClickPlacement("kitchen", "fridge", new Dictionary<string, string> { ["location"] = "home" }, new Dictionary<string, string> { ["orderMilk"] = "G030PM0123456789" }),
        };
        var bare = click with { Id = "bare", Source = ClickSources.IotButton, RemainingLife = null, BatteryMillivolts = 1705, Topic = null, TraceId = null, ClientId = null, Placement = null, OccurredAt = click.OccurredAt.AddSeconds(-1) };
        await store.InsertAsync([click, bare], default);

        var page = await PageAsync(ClickFilter.None);

        var read = page.Items[0];
        Assert.Equal(("5a0b1f0e", "G030PM0123456789", "LONG", "iot-1click"), (read.Id, read.DeviceId, read.ClickType, read.Source));
        Assert.Equal(click.OccurredAt, read.OccurredAt);
        Assert.Equal(click.ReceivedAt, read.ReceivedAt);
        Assert.Equal(5.0, read.RemainingLife);
        Assert.Null(read.BatteryMillivolts);
        Assert.Equal(("iotbutton/G030PM0123456789", "5a0b1f0e", "client-1"), (read.Topic, read.TraceId, read.ClientId));
        Assert.Equal(("kitchen", "fridge"), (read.Placement!.ProjectName, read.Placement.PlacementName));
        Assert.Equal("home", read.Placement.Attributes["location"]);
        Assert.Equal("G030PM0123456789", read.Placement.Devices["orderMilk"]);
        var plain = page.Items[1];
        Assert.Equal(1705, plain.BatteryMillivolts);
        Assert.Null(plain.RemainingLife);
        Assert.Null(plain.Placement);
        Assert.Null(plain.Topic);
    }

    [Fact]
    public async Task Each_filter_narrows_the_page_and_they_combine()
    {
        await Clicks.InsertManyAsync(
        [
            ReaderHarness.Doc("1", "dev-1", "SINGLE", T0),
            ReaderHarness.Doc("2", "dev-1", "DOUBLE", T0.AddMinutes(1)),
            ReaderHarness.Doc("3", "dev-2", "SINGLE", T0.AddMinutes(2)),
            ReaderHarness.Doc("4", "dev-2", "LONG", T0.AddMinutes(3)),
            ReaderHarness.Doc("5", "dev-1", "SINGLE", T0.AddMinutes(4)),
            ReaderHarness.Doc("6", "dev-10", "SINGLE", T0.AddMinutes(5)),
        ]);
        var from = new DateTimeOffset(T0.AddMinutes(1));
        var to = new DateTimeOffset(T0.AddMinutes(4));

        Assert.Equal(["5", "2", "1"], Ids(await PageAsync(new ClickFilter("dev-1", null, null, null))));
        Assert.Equal(["6", "5", "3", "1"], Ids(await PageAsync(new ClickFilter(null, "SINGLE", null, null))));
        Assert.Equal(["6", "5", "4", "3", "2"], Ids(await PageAsync(new ClickFilter(null, null, from, null))));
        Assert.Equal(["4", "3", "2", "1"], Ids(await PageAsync(new ClickFilter(null, null, null, to))));
        Assert.Equal(["4", "3", "2"], Ids(await PageAsync(new ClickFilter(null, null, from, to))));
        Assert.Equal(["3"], Ids(await PageAsync(new ClickFilter("dev-2", "SINGLE", from, to))));
        Assert.Empty(Ids(await PageAsync(new ClickFilter("dev-3", null, null, null))));
    }

    [Fact]
    public async Task Pages_of_the_limit_cover_every_click_once_and_the_last_page_says_so()
    {
        await Clicks.InsertManyAsync(Enumerable.Range(0, 7).Select(i => ReaderHarness.Doc($"c{i}", "dev-1", "SINGLE", T0.AddSeconds(i / 2))));

        var pages = await AllPagesAsync(ClickFilter.None, limit: 3);

        Assert.Equal([3, 3, 1], pages.Select(p => p.Count));
        Assert.Equal(["c6", "c5", "c4", "c3", "c2", "c1", "c0"], pages.SelectMany(p => p));
        var exact = await AllPagesAsync(new ClickFilter("dev-1", null, null, null), limit: 7);
        Assert.Equal(7, Assert.Single(exact).Count);
    }

    [Fact]
    public async Task Paging_while_clicks_keep_arriving_skips_and_repeats_nothing()
    {
        // 400 clicks, 40 per time step, so many pages end in the middle of a tie.
        var original = Enumerable.Range(0, 400).Select(i => ReaderHarness.Doc($"o-{i:D4}", $"dev-{i % 3}", "SINGLE", T0.AddSeconds(i / 40))).ToList();
        await Clicks.InsertManyAsync(original);
        using var stop = new CancellationTokenSource();
        var inserted = 0;
        var writer = Task.Run(async () =>
        {
            // Newer clicks, clicks at the very times being paged (ties on both sides of any cursor) and older ones.
            for (var i = 0; i < 2_000 && !stop.IsCancellationRequested; i++)
            {
                var at = (i % 3) switch { 0 => T0.AddMinutes(10).AddSeconds(i), 1 => T0.AddSeconds(i % 10), _ => T0.AddSeconds(-1 - i) };
                await Clicks.InsertOneAsync(ReaderHarness.Doc($"n-{i:D4}", "dev-9", "DOUBLE", at));
                Interlocked.Increment(ref inserted);
            }
        });

        var seen = new List<string>();
        ClickPosition? after = null;
        for (var pages = 0; pages < 1_000; pages++)
        {
            var page = await PageAsync(ClickFilter.None, after, limit: 25);
            seen.AddRange(Ids(page));
            after = page.Next;
            if (after is null)
            {
                break;
            }
        }

        await stop.CancelAsync();
        await writer;
        Assert.Null(after);
        Assert.True(Volatile.Read(ref inserted) > 0, "clicks arrived while paging");
        Assert.Equal(seen.Count, seen.Distinct(StringComparer.Ordinal).Count());
        var originalIds = original.Select(d => d["_id"].AsString).ToHashSet();
        Assert.Equal(originalIds.Count, seen.Count(originalIds.Contains));
    }

    [Fact]
    public async Task Paging_one_device_uses_the_same_order()
    {
        await Clicks.InsertManyAsync(Enumerable.Range(0, 20).Select(i => ReaderHarness.Doc($"d{i:D2}", i % 2 == 0 ? "even" : "odd", "SINGLE", T0.AddSeconds(i / 4))));

        var pages = await AllPagesAsync(new ClickFilter("even", null, null, null), limit: 4);

        Assert.Equal(Enumerable.Range(0, 20).Where(i => i % 2 == 0).Reverse().Select(i => $"d{i:D2}"), pages.SelectMany(p => p));
    }

    [Fact]
    public async Task Rate_limiting_of_a_page_is_waited_out_and_past_the_budget_ends_throttled()
    {
        await Clicks.InsertOneAsync(ReaderHarness.Doc("x", "dev-1", "SINGLE", T0));
        await _harness.FailNextAsync("find", times: 2, new BsonDocument { { "errorCode", 16500 }, { "errmsg", "Error=16500, RetryAfterMs=300" } });

        var ok = await Reader.ListAsync(ClickFilter.None, null, 10, default);

        Assert.Equal(ReadOutcome.Ok, ok.Outcome);
        Assert.Equal(["x"], Ids(ok.Value!));
        Assert.Equal(2, _harness.Time.Waits.Count);

        await _harness.FailNextAsync("find", times: 1_000, new BsonDocument { { "errorCode", 16500 }, { "errmsg", "Error=16500, RetryAfterMs=1000" } });
        var throttled = await Reader.ListAsync(ClickFilter.None, null, 10, default);

        Assert.Equal(ReadOutcome.Throttled, throttled.Outcome);
        Assert.Equal(TimeSpan.FromSeconds(1), throttled.RetryAfter);
        Assert.Null(throttled.Value);
    }

    [Fact]
    public async Task A_store_that_keeps_dropping_the_connection_is_unavailable_with_a_retry_after()
    {
        await _harness.FailNextAsync("find", times: 1_000, new BsonDocument("closeConnection", true));

        var result = await Reader.ListAsync(ClickFilter.None, null, 10, default);

        Assert.Equal(ReadOutcome.Unavailable, result.Outcome);
        Assert.Null(result.RetryAfter); // the HTTP layer advises its own Retry-After for an unreachable store
    }

    [Fact]
    public async Task Indexes_are_created_by_key_and_the_superseded_ones_are_dropped()
    {
        var store = _harness.CreateStore();
        // What earlier versions created, plus the time index under a name of someone else's choosing.
        await Clicks.Indexes.CreateManyAsync(
        [
            new CreateIndexModel<BsonDocument>(Builders<BsonDocument>.IndexKeys.Ascending("deviceId").Descending("occurredAt")),
            new CreateIndexModel<BsonDocument>(Builders<BsonDocument>.IndexKeys.Descending("occurredAt")),
            new CreateIndexModel<BsonDocument>(Builders<BsonDocument>.IndexKeys.Ascending("occurredAt").Ascending("_id"), new CreateIndexOptions { Name = "by-time" }),
        ]);

        await store.EnsureIndexesAsync(default);
        await store.EnsureIndexesAsync(default);

        var indexes = await (await Clicks.Indexes.ListAsync()).ToListAsync();
        var keys = indexes.ToDictionary(i => i["name"].AsString, i => i["key"].AsBsonDocument.ToJson());
        Assert.Equal(3, keys.Count);
        Assert.Equal("""{ "occurredAt" : 1, "_id" : 1 }""", keys["by-time"]);
        Assert.Equal("""{ "deviceId" : 1, "occurredAt" : 1, "_id" : 1 }""", keys[ClickIndexes.ByDeviceAndTime.Name]);
        Assert.Contains("""{ "_id" : 1 }""", keys.Values);
    }
}

/// <summary>A reader and a store on a fresh database of the contract server, with its own client application name for fail points.</summary>
internal sealed class ReaderHarness(StoreServerFixture server)
{
    private readonly string _appName = "reader-" + Guid.NewGuid().ToString("N")[..12];
    private readonly string _database = "reader_" + Guid.NewGuid().ToString("N")[..12];
    private readonly List<IMongoClient> _clients = [];
    private MongoOptions _options = null!;

    public SkippingTimeProvider Time { get; } = new();

    public ClickReader Reader { get; private set; } = null!;

    public IMongoCollection<BsonDocument> Clicks { get; private set; } = null!;

    /// <summary>Sets fail points and cleans up; its own application name keeps it clear of the fail points.</summary>
    private IMongoClient Admin => _clients[0];

    public Task InitializeAsync()
    {
        _clients.Add(new MongoClient(server.ConnectionString));
        _options = new MongoOptions { ConnectionString = server.ConnectionString, Database = _database };
        var settings = StorageServiceCollectionExtensions.CreateClientSettings(_options);
        settings.ApplicationName = _appName;
        var client = new MongoClient(settings);
        _clients.Add(client);
        Reader = new ClickReader(client, Options.Create(_options), Time, NullLogger<ClickReader>.Instance);
        Clicks = client.GetDatabase(_database).GetCollection<BsonDocument>(_options.Collection);
        return Task.CompletedTask;
    }

    public ClickStore CreateStore() =>
        new(_clients[1], Options.Create(_options), Time, NullLogger<ClickStore>.Instance);

    public async Task DisposeAsync()
    {
        await FailPoints.OffAsync(Admin);
        await Admin.DropDatabaseAsync(_database);
        foreach (var client in _clients)
        {
            client.Dispose();
        }
    }

    /// <summary>The next <paramref name="times"/> <paramref name="command"/>s of the reader's client fail as <paramref name="data"/> says.</summary>
    public Task FailNextAsync(string command, int times, BsonDocument data) =>
        FailPoints.FailNextAsync(Admin, command, times, data, _appName);

    /// <summary>A click document in the stored shape (see ClickDocument).</summary>
    public static BsonDocument Doc(string id, string device, string type, DateTime at, int? millivolts = null, double? remainingLife = null)
    {
        var doc = new BsonDocument
        {
            { "_id", id },
            { "deviceId", device },
            { "clickType", type },
            { "occurredAt", at },
            { "receivedAt", at.AddMilliseconds(120) },
            { "source", remainingLife is null ? "iot-button" : "iot-1click" },
        };
        if (millivolts is not null)
        {
            doc.Add("batteryMillivolts", millivolts.Value);
        }

        if (remainingLife is not null)
        {
            doc.Add("remainingLife", remainingLife.Value);
        }

        return doc;
    }
}
