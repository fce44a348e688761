using System.Net;
using System.Net.Sockets;
using ButtonFunctions.Ingest;
using ButtonFunctions.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MongoDB.Bson;
using MongoDB.Driver;
using ButtonFunctions.Clicks;
using ButtonFunctions.Http;
using ButtonFunctions.Tests.Support;

namespace ButtonFunctions.Tests.Storage;

/// <summary>
/// What <see cref="ClickStore"/> promises, checked against a MongoDB wire-protocol server: LocalMongo by
/// default, a real MongoDB / Cosmos DB when BUTTONS_TEST_MONGODB_URI is set. Each test uses its own
/// database and client application name, so fail points never touch other tests' traffic. The fault tests
/// need MongoDB's failCommand fail point and report themselves skipped where the server has none.
/// </summary>
[Trait("Category", "Unit")]
public sealed class ClickStoreContractTests(StoreServerFixture server) : ClickStoreContract(server), IClassFixture<StoreServerFixture>;

/// <summary>The same contract against a server without fail points: every test passes except the fault tests, which skip.</summary>
[Trait("Category", "Unit")]
public sealed class ClickStoreContractWithoutFailPointsTests(StoreServerWithoutFailPointsFixture server)
    : ClickStoreContract(server), IClassFixture<StoreServerWithoutFailPointsFixture>;

/// <summary>The store contract tests, run by the classes above against one server each.</summary>
public abstract class ClickStoreContract(StoreServerFixture server) : IAsyncLifetime
{
    private static readonly DateTimeOffset At = new(2026, 11, 25, 18, 0, 0, TimeSpan.Zero);

    private readonly string _appName = "contract-" + Guid.NewGuid().ToString("N")[..12];
    private readonly string _database = "contract_" + Guid.NewGuid().ToString("N")[..12];
    /// <summary>The first one sets fail points and cleans up; its own application name keeps it clear of the fail points.</summary>
    private readonly List<IMongoClient> _clients = [new MongoClient(server.ConnectionString)];

    private IMongoClient Admin => _clients[0];

    private SkippingTimeProvider Time { get; } = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (server.HasFailPoints)
        {
            await FailPoints.OffAsync(Admin);
        }

        await Admin.DropDatabaseAsync(_database);
        foreach (var client in _clients)
        {
            client.Dispose();
        }
    }

    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    private (ClickStore Store, IMongoClient Client, IMongoCollection<BsonDocument> Clicks) CreateStore(
        TimeSpan? retryBudget = null, string? connectionString = null, TimeSpan? serverSelectionTimeout = null, Action<MongoClientSettings>? configure = null)
    {
        // Tests about budgets and timeouts pass their own; every other test gets the most the options allow, so a
        // loaded machine (a first connection taking seconds) cannot turn a store call into a spurious 503.
        var options = new MongoOptions
        {
            ConnectionString = connectionString ?? server.ConnectionString,
            Database = _database,
            RetryBudget = retryBudget ?? Generous,
            ServerSelectionTimeout = serverSelectionTimeout ?? Generous,
            ConnectTimeout = Generous,
            SocketTimeout = Generous,
        };
        var settings = StorageServiceCollectionExtensions.CreateClientSettings(options);
        settings.ApplicationName = _appName;
        configure?.Invoke(settings);
        var client = new MongoClient(settings);
        _clients.Add(client);
        var store = new ClickStore(client, Options.Create(options), Time, NullLogger<ClickStore>.Instance);
        return (store, client, client.GetDatabase(_database).GetCollection<BsonDocument>(options.Collection));
    }

    private static ClickEvent Click(string id, string device = "G030JF055364XVRB") => new()
    {
        Id = id,
        DeviceId = device,
        ClickType = ClickTypes.SingleClick,
        OccurredAt = At,
        ReceivedAt = At.AddMilliseconds(120),
        Source = ClickSources.IotButton,
        BatteryMillivolts = 1705,
        TraceId = id,
    };

    private static List<ClickEvent> Clicks(int count) => [.. Enumerable.Range(0, count).Select(i => Click($"click-{i}"))];

    private static Task<long> CountAsync(IMongoCollection<BsonDocument> clicks) => clicks.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty);

    [Fact]
    public async Task A_click_is_stored_with_the_documented_fields_and_types()
    {
        var (store, _, clicks) = CreateStore();
        var click = Click("5a0b1f0e") with
        {
            Source = ClickSources.IotOneClick,
            BatteryMillivolts = null,
            RemainingLife = 5.0,
            Topic = "iotbutton/G030",
            ClientId = "client-1",
            Placement = new ClickPlacement("kitchen", "fridge", new Dictionary<string, string> { ["location"] = "home" }, new Dictionary<string, string>()),
        };

        var result = await store.InsertAsync([click], default);

        Assert.Equal(ClickStoreOutcome.Stored, result.Outcome);
        Assert.Equal([ClickWriteStatus.Inserted], result.Statuses);
        var stored = await clicks.Find(new BsonDocument("_id", "5a0b1f0e")).SingleAsync();
        Assert.Equal("G030JF055364XVRB", stored["deviceId"].AsString);
        Assert.Equal("SINGLE", stored["clickType"].AsString);
        Assert.Equal(At.UtcDateTime, stored["occurredAt"].ToUniversalTime());
        Assert.Equal(At.AddMilliseconds(120).UtcDateTime, stored["receivedAt"].ToUniversalTime());
        Assert.Equal(5.0, stored["remainingLife"].AsDouble);
        Assert.Equal("iot-1click", stored["source"].AsString);
        Assert.Equal("client-1", stored["clientId"].AsString);
        Assert.Equal("home", stored["placement"]["attributes"]["location"].AsString);
        Assert.False(stored.Contains("batteryMillivolts"));
    }

    [Fact]
    public async Task Battery_millivolts_are_stored_as_an_integer()
    {
        var (store, _, clicks) = CreateStore();

        Assert.Equal(ClickStoreOutcome.Stored, (await store.InsertAsync([Click("b-1")], default)).Outcome);

        Assert.Equal(BsonType.Int32, (await clicks.Find(new BsonDocument("_id", "b-1")).SingleAsync())["batteryMillivolts"].BsonType);
    }

    [Fact]
    public async Task A_duplicate_click_is_acknowledged_not_stored_twice()
    {
        var (store, _, clicks) = CreateStore();
        await store.InsertAsync([Click("same")], default);

        var again = await store.InsertAsync([Click("same")], default);

        Assert.Equal(ClickStoreOutcome.Stored, again.Outcome);
        Assert.Equal([ClickWriteStatus.Duplicate], again.Statuses);
        Assert.Equal(1, await CountAsync(clicks));
    }

    [Fact]
    public async Task A_batch_with_duplicates_stores_the_new_clicks_and_counts_the_rest()
    {
        var (store, _, clicks) = CreateStore();
        await store.InsertAsync([Click("click-1"), Click("click-3")], default);

        var result = await store.InsertAsync([.. Clicks(5), Click("click-4")], default);

        Assert.Equal(ClickStoreOutcome.Stored, result.Outcome);
        Assert.Equal(
            [ClickWriteStatus.Inserted, ClickWriteStatus.Duplicate, ClickWriteStatus.Inserted, ClickWriteStatus.Duplicate, ClickWriteStatus.Inserted, ClickWriteStatus.Duplicate],
            result.Statuses);
        Assert.Equal((3, 3), (result.Inserted, result.Duplicates));
        Assert.Equal(5, await CountAsync(clicks));
    }

    [SkippableFact]
    public async Task Rate_limiting_is_waited_out_as_the_retry_after_hint_says_and_then_everything_is_stored()
    {
        server.RequireFailPoints();
        var (store, _, clicks) = CreateStore();
        await FailPoints.FailNextAsync(Admin, "insert", times: 2, appName: _appName, data: new BsonDocument
        {
            { "errorCode", 16500 },
            { "errmsg", "Error=16500, RetryAfterMs=700, Details='Request rate is large'" },
        });

        var result = await store.InsertAsync(Clicks(3), default);

        Assert.Equal(ClickStoreOutcome.Stored, result.Outcome);
        Assert.Equal(3, result.Inserted);
        Assert.Equal(3, await CountAsync(clicks));
        Assert.Equal(2, Time.Waits.Count);
        if (server.IsLocalStandIn)
        {
            Assert.All(Time.Waits, w => Assert.Equal(TimeSpan.FromMilliseconds(700), w));
        }
    }

    [SkippableFact]
    public async Task Rate_limiting_that_hits_only_part_of_a_batch_retries_just_the_rest()
    {
        server.RequireFailPoints();
        var (store, _, clicks) = CreateStore();

        // Cosmos DB can throttle some documents of an unordered insert (writeErrors 16500); LocalMongo
        // imitates it with writeErrorsFrom, a real mongod ignores that and throttles the whole command.
        await FailPoints.FailNextAsync(Admin, "insert", times: 1, appName: _appName, data: new BsonDocument
        {
            { "errorCode", 16500 },
            { "errmsg", "Error=16500, RetryAfterMs=50" },
            { "writeErrorsFrom", 2 },
        });

        var result = await store.InsertAsync(Clicks(5), default);

        Assert.Equal(ClickStoreOutcome.Stored, result.Outcome);
        Assert.Equal(5, result.Inserted);
        Assert.Equal(5, await CountAsync(clicks));
        var wait = Assert.Single(Time.Waits);
        if (server.IsLocalStandIn)
        {
            Assert.Equal(TimeSpan.FromMilliseconds(50), wait);
        }
    }

    [SkippableFact]
    public async Task Rate_limiting_without_a_hint_backs_off_exponentially()
    {
        server.RequireFailPoints();
        var (store, _, _) = CreateStore();
        await FailPoints.FailNextAsync(Admin, "insert", times: 3, appName: _appName, data: new BsonDocument { { "errorCode", 16500 }, { "errmsg", "Request rate is large" } });

        var result = await store.InsertAsync(Clicks(1), default);

        Assert.Equal(ClickStoreOutcome.Stored, result.Outcome);
        var waits = Time.Waits.ToArray();
        Assert.Equal(3, waits.Length);
        Assert.InRange(waits[0].TotalMilliseconds, 50, 100);
        Assert.InRange(waits[1].TotalMilliseconds, 100, 200);
        Assert.InRange(waits[2].TotalMilliseconds, 200, 400);
    }

    [SkippableFact]
    public async Task Rate_limiting_past_the_retry_budget_ends_throttled_with_a_retry_after()
    {
        server.RequireFailPoints();
        var (store, _, clicks) = CreateStore(retryBudget: TimeSpan.FromMilliseconds(2_500));
        await FailPoints.FailNextAsync(Admin, "insert", times: 1_000, appName: _appName, data: new BsonDocument
        {
            { "errorCode", 16500 },
            { "errmsg", "Error=16500, RetryAfterMs=1000" },
        });

        var result = await store.InsertAsync(Clicks(2), default);

        Assert.Equal(ClickStoreOutcome.Throttled, result.Outcome);
        Assert.Equal(TimeSpan.FromSeconds(1), result.RetryAfter);
        Assert.Equal([ClickWriteStatus.NotStored, ClickWriteStatus.NotStored], result.Statuses);
        Assert.True(Time.Waits.Aggregate(TimeSpan.Zero, (a, b) => a + b) < TimeSpan.FromMilliseconds(2_500), "waits stay within the budget");
        await FailPoints.OffAsync(Admin);
        Assert.Equal(0, await CountAsync(clicks));
    }

    [SkippableFact]
    public async Task A_connection_dropped_mid_batch_is_retried_and_nothing_is_stored_twice()
    {
        server.RequireFailPoints();
        var (store, _, clicks) = CreateStore();
        await store.InsertAsync([Click("click-0"), Click("click-1")], default);
        await FailPoints.FailNextAsync(Admin, "insert", times: 1, appName: _appName, data: new BsonDocument("closeConnection", true));

        var result = await store.InsertAsync(Clicks(5), default);

        Assert.Equal(ClickStoreOutcome.Stored, result.Outcome);
        Assert.Equal(5, result.Inserted + result.Duplicates);
        if (server.IsLocalStandIn)
        {
            // A standalone server gets no driver-level retryable write: the store's own retry did it.
            Assert.NotEmpty(Time.Waits);
        }

        Assert.Equal(5, await CountAsync(clicks));
        var ids = (await clicks.Find(FilterDefinition<BsonDocument>.Empty).ToListAsync()).Select(d => d["_id"].AsString).Order();
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"click-{i}"), ids);
    }

    [SkippableFact]
    public async Task A_store_that_hangs_is_reported_unavailable_when_the_budget_runs_out()
    {
        server.RequireFailPoints();
        var (store, _, _) = CreateStore(retryBudget: TimeSpan.FromMilliseconds(400));
        await FailPoints.FailNextAsync(Admin, "insert", times: 1, appName: _appName, data: new BsonDocument { { "blockConnection", true }, { "blockTimeMS", 5_000 } });

        var result = await store.InsertAsync(Clicks(1), default);

        Assert.Equal(ClickStoreOutcome.Unavailable, result.Outcome);
        Assert.Null(result.RetryAfter); // no hint: the HTTP answer uses its own default (RetryAfter.StoreUnavailable)
    }

    [Fact]
    public async Task An_unreachable_store_is_reported_unavailable_with_a_retry_after()
    {
        using var closed = new TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var port = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        var (store, _, _) = CreateStore(
            retryBudget: TimeSpan.FromMilliseconds(800),
            connectionString: $"mongodb://127.0.0.1:{port}/?directConnection=true",
            serverSelectionTimeout: TimeSpan.FromMilliseconds(300));

        var result = await store.InsertAsync(Clicks(2), default);

        Assert.Equal(ClickStoreOutcome.Unavailable, result.Outcome);
        Assert.Null(result.RetryAfter); // no hint: the HTTP answer uses its own default (RetryAfter.StoreUnavailable)
        Assert.Equal(0, result.Inserted);
    }

    [Fact]
    public async Task Index_creation_is_idempotent()
    {
        var (store, _, clicks) = CreateStore();

        await store.EnsureIndexesAsync(default);
        await store.EnsureIndexesAsync(default);

        var indexes = await (await clicks.Indexes.ListAsync()).ToListAsync();
        var keys = indexes.Select(i => i["key"].AsBsonDocument.ToJson()).ToList();
        Assert.Equal(3, indexes.Count);
        Assert.Contains("""{ "deviceId" : 1, "occurredAt" : 1, "_id" : 1 }""", keys);
        Assert.Contains("""{ "occurredAt" : 1, "_id" : 1 }""", keys);
        Assert.Contains("""{ "_id" : 1 }""", keys);
    }

    // Ids: a duplicate key is a duplicate only when the stored document is the same click (README "POST /api/clicks").

    private static ClickEvent Other(string id, string device = "G030OTHERDEVICE") => Click(id, device) with { ClickType = ClickTypes.LongPress, TraceId = null };

    private static List<BsonDocument> Sorted(List<BsonDocument> documents) => [.. documents.OrderBy(d => d["_id"].AsString, StringComparer.Ordinal)];

    [Fact]
    public async Task A_different_click_under_a_taken_id_is_stored_under_its_collision_id_and_its_retry_is_a_duplicate()
    {
        var (store, _, clicks) = CreateStore();
        await store.InsertAsync([Click("taken")], default);
        var other = Other("taken");

        var collided = await store.InsertAsync([other], default);
        var retried = await store.InsertAsync([other], default);

        var collisionId = ClickId.ForCollision(other);
        Assert.Equal(ClickStoreOutcome.Stored, collided.Outcome);
        Assert.Equal([ClickWriteStatus.Inserted], collided.Statuses);
        Assert.Equal([collisionId], collided.Ids);
        Assert.Equal(ClickStoreOutcome.Stored, retried.Outcome);
        Assert.Equal([ClickWriteStatus.Duplicate], retried.Statuses);
        Assert.Equal([collisionId], retried.Ids);
        Assert.Equal(2, await CountAsync(clicks));
        Assert.Equal("G030JF055364XVRB", (await clicks.Find(new BsonDocument("_id", "taken")).SingleAsync())["deviceId"].AsString);
        Assert.Equal("G030OTHERDEVICE", (await clicks.Find(new BsonDocument("_id", collisionId)).SingleAsync())["deviceId"].AsString);
    }

    [Fact]
    public async Task One_batch_sorts_duplicates_collisions_and_new_clicks_apart()
    {
        var (store, _, clicks) = CreateStore();
        await store.InsertAsync([Click("b-same"), Click("b-taken")], default);

        var result = await store.InsertAsync([Click("b-same"), Other("b-taken"), Click("b-new"), Click("b-new")], default);

        Assert.Equal(ClickStoreOutcome.Stored, result.Outcome);
        Assert.Equal([ClickWriteStatus.Duplicate, ClickWriteStatus.Inserted, ClickWriteStatus.Inserted, ClickWriteStatus.Duplicate], result.Statuses);
        Assert.Equal(["b-same", ClickId.ForCollision(Other("b-taken")), "b-new", "b-new"], result.Ids);
        Assert.Equal(4, await CountAsync(clicks));
    }

    [Fact]
    public async Task A_retry_whose_arrival_time_differs_is_still_the_same_click()
    {
        var (store, _, clicks) = CreateStore();
        var first = Click("arrival") with { TimeSource = ClickTimeSource.Arrival, OccurredAt = At };
        await store.InsertAsync([first], default);

        var again = await store.InsertAsync([first with { OccurredAt = At.AddSeconds(7), ReceivedAt = At.AddSeconds(7) }], default);
        var moved = await store.InsertAsync([first with { OccurredAt = At.AddSeconds(7), TimeSource = ClickTimeSource.Device }], default);

        Assert.Equal([ClickWriteStatus.Duplicate], again.Statuses);
        Assert.Equal([ClickWriteStatus.Duplicate], moved.Statuses);
        Assert.Equal(1, await CountAsync(clicks));

        // A device time that differs from another device time is another click.
        await store.InsertAsync([first with { Id = "stable", TimeSource = ClickTimeSource.Device }], default);
        var later = await store.InsertAsync([first with { Id = "stable", TimeSource = ClickTimeSource.Device, OccurredAt = At.AddMilliseconds(1) }], default);
        Assert.Equal([ClickWriteStatus.Inserted], later.Statuses);
        Assert.Equal("device", (await clicks.Find(new BsonDocument("_id", "stable")).SingleAsync())["timeSource"].AsString);
    }

    [Fact]
    public async Task Two_different_clicks_racing_for_one_id_are_both_stored_and_neither_is_lost()
    {
        var (storeA, _, clicks) = CreateStore();
        var (storeB, _, _) = CreateStore();
        for (var round = 0; round < 20; round++)
        {
            var id = $"race-{round}";
            var a = Click(id);
            var b = Other(id);

            var results = await Task.WhenAll(storeA.InsertAsync([a], default), storeB.InsertAsync([b], default));

            Assert.All(results, r => Assert.Equal((ClickStoreOutcome.Stored, ClickWriteStatus.Inserted), (r.Outcome, r.Statuses[0])));
            var stored = Sorted(await clicks.Find(Builders<BsonDocument>.Filter.In("_id", new[] { id, ClickId.ForCollision(a), ClickId.ForCollision(b) })).ToListAsync());
            Assert.Equal(2, stored.Count);
            Assert.Contains(stored, d => d["_id"] == id);
            Assert.Equal(["G030JF055364XVRB", "G030OTHERDEVICE"], stored.Select(d => d["deviceId"].AsString).Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public async Task Concurrent_retries_of_a_colliding_click_store_it_once()
    {
        var (storeA, _, clicks) = CreateStore();
        var (storeB, _, _) = CreateStore();
        await storeA.InsertAsync([Click("retried")], default);
        var other = Other("retried");

        var results = await Task.WhenAll(storeA.InsertAsync([other], default), storeB.InsertAsync([other], default));

        Assert.Equal([ClickWriteStatus.Inserted, ClickWriteStatus.Duplicate], results.Select(r => r.Statuses[0]).Order());
        Assert.All(results, r => Assert.Equal([ClickId.ForCollision(other)], r.Ids));
        Assert.Equal(2, await CountAsync(clicks));
    }

    [Fact]
    public async Task Stored_documents_are_read_back_only_when_a_duplicate_key_is_reported()
    {
        var finds = 0;
        var (store, _, _) = CreateStore(configure: settings => settings.ClusterConfigurator = cluster =>
            cluster.Subscribe<MongoDB.Driver.Core.Events.CommandStartedEvent>(e =>
            {
                if (e.CommandName == "find")
                {
                    Interlocked.Increment(ref finds);
                }
            }));

        await store.InsertAsync(Clicks(10), default);
        Assert.Equal(0, Volatile.Read(ref finds));

        // One read for the whole batch of duplicates, however many there are.
        var again = await store.InsertAsync(Clicks(10), default);
        Assert.Equal(10, again.Duplicates);
        Assert.Equal(1, Volatile.Read(ref finds));
    }
}
