using System.Collections.Concurrent;
using ButtonFunctions.Clicks;
using ButtonFunctions.Readiness;
using ButtonFunctions.Storage;
using LocalMongo;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using MongoDB.Bson;
using MongoDB.Driver;
using ButtonFunctions.Tests.Support;

namespace ButtonFunctions.Tests.Storage;

/// <summary>
/// The store's start-up work against LocalMongo: faults that may pass are retried, faults that cannot are reported
/// once (an Error line, a NotReady reason) and end the loop, and index creation can be turned off.
/// </summary>
[Trait("Category", "Unit")]
public sealed class ClickStoreInitializerTests
{
    private sealed class Startup : IDisposable
    {
        public Startup(string connectionString, bool createIndexes = true)
        {
            Options = new MongoOptions
            {
                ConnectionString = connectionString,
                Database = "init_" + Guid.NewGuid().ToString("N")[..8],
                ServerSelectionTimeout = TimeSpan.FromMilliseconds(300),
                CreateIndexes = createIndexes,
            };
            Client = new MongoClient(StorageServiceCollectionExtensions.CreateClientSettings(Options));
            Store = new ClickStore(Client, Microsoft.Extensions.Options.Options.Create(Options), Time, NullLogger<ClickStore>.Instance);
            Initializer = new ClickStoreInitializer(Store, Client, Microsoft.Extensions.Options.Options.Create(Options), Setup, Time, Logger);
        }

        public MongoOptions Options { get; }
        public MongoClient Client { get; }
        public FakeTimeProvider Time { get; } = new();
        public ListLogger<ClickStoreInitializer> Logger { get; } = new();
        public ClickStoreSetup Setup { get; } = new();
        public ClickStore Store { get; }
        public ClickStoreInitializer Initializer { get; }

        public IMongoCollection<BsonDocument> Clicks => Client.GetDatabase(Options.Database).GetCollection<BsonDocument>(Options.Collection);

        public Task<HealthCheckResult> ReadinessAsync() =>
            new StoreSetupReadinessCheck(Setup, Microsoft.Extensions.Options.Options.Create(Options)).CheckHealthAsync(new HealthCheckContext());

        /// <summary>Starts the initializer and waits until its loop has ended by itself.</summary>
        public async Task RunToEndAsync()
        {
            await Initializer.StartAsync(CancellationToken.None);
            await Eventually.TrueAsync(() => Initializer.ExecuteTask!.IsCompleted, because: "the start-up loop should end by itself");
            Assert.True(Initializer.ExecuteTask!.IsCompletedSuccessfully);
        }

        public void Dispose()
        {
            Initializer.Dispose();
            Client.Dispose();
        }
    }

    /// <summary>The names and keys the store creates, read from what it does (so this test follows index changes).</summary>
    private static async Task<List<BsonDocument>> StoreIndexesAsync(LocalMongoServer mongo)
    {
        using var scratch = new Startup(mongo.ConnectionString);
        await scratch.Store.EnsureIndexesAsync(default);
        var indexes = await (await scratch.Clicks.Indexes.ListAsync()).ToListAsync();
        return [.. indexes.Where(i => i["name"].AsString != "_id_")];
    }

    [Fact]
    public async Task A_store_that_is_down_at_start_up_is_logged_and_indexed_once_it_is_back()
    {
        await using var mongo = await LocalMongoServer.StartAsync();
        await mongo.StopListeningAsync();
        using var startup = new Startup(mongo.ConnectionString);

        await startup.Initializer.StartAsync(CancellationToken.None);
        await Eventually.TrueAsync(() => startup.Logger.Entries.Any(e => e.EventId == 3211 && e.Level == LogLevel.Warning));
        Assert.False(startup.Initializer.ExecuteTask!.IsCompleted, "the app keeps running while the store is down");
        Assert.Equal(StoreSetupStatus.Pending, startup.Setup.Current.Status);
        Assert.Equal(HealthStatus.Unhealthy, (await startup.ReadinessAsync()).Status);

        await mongo.ResumeListeningAsync();
        await Eventually.TrueAsync(() =>
        {
            startup.Time.Advance(TimeSpan.FromSeconds(5));
            return startup.Initializer.ExecuteTask!.IsCompletedSuccessfully;
        });

        Assert.Contains(startup.Logger.Entries, e => e.EventId == 3210);
        Assert.DoesNotContain(startup.Logger.Entries, e => e.Level >= LogLevel.Error);
        Assert.Equal(StoreSetupStatus.Ready, startup.Setup.Current.Status);
        Assert.Equal(HealthStatus.Healthy, (await startup.ReadinessAsync()).Status);
        var indexes = await (await startup.Clicks.Indexes.ListAsync()).ToListAsync();
        Assert.Equal((await StoreIndexesAsync(mongo)).Count + 1, indexes.Count);
    }

    [Fact]
    public async Task An_existing_index_with_the_same_name_and_other_keys_stops_the_retries_and_makes_the_store_unready()
    {
        await using var mongo = await LocalMongoServer.StartAsync();
        var name = (await StoreIndexesAsync(mongo))[0]["name"].AsString;
        using var startup = new Startup(mongo.ConnectionString);
        await startup.Clicks.Indexes.CreateOneAsync(new CreateIndexModel<BsonDocument>(
            new BsonDocument("someOtherField", 1), new CreateIndexOptions { Name = name }));

        await startup.RunToEndAsync();

        var failure = Assert.Single(startup.Logger.Entries, e => e.Level == LogLevel.Error);
        Assert.Equal(3212, failure.EventId);
        Assert.Contains("IndexKeySpecsConflict (86)", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(startup.Logger.Entries, e => e.EventId == 3211);
        Assert.Equal(StoreSetupStatus.Failed, startup.Setup.Current.Status);
        var readiness = await startup.ReadinessAsync();
        Assert.Equal(HealthStatus.Unhealthy, readiness.Status);
        Assert.Contains("IndexKeySpecsConflict (86)", readiness.Description, StringComparison.Ordinal);
        Assert.Contains("Mongo:CreateIndexes=false", readiness.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_index_the_deployment_declared_with_the_same_keys_under_another_name_is_no_conflict()
    {
        await using var mongo = await LocalMongoServer.StartAsync();
        var keys = (await StoreIndexesAsync(mongo))[0]["key"].AsBsonDocument;
        using var startup = new Startup(mongo.ConnectionString);
        await startup.Clicks.Indexes.CreateOneAsync(new CreateIndexModel<BsonDocument>(keys, new CreateIndexOptions { Name = "declared-by-arm" }));

        await startup.RunToEndAsync();

        Assert.Equal(StoreSetupStatus.Ready, startup.Setup.Current.Status);
        Assert.DoesNotContain(startup.Logger.Entries, e => e.Level >= LogLevel.Warning);
        var indexes = await (await startup.Clicks.Indexes.ListAsync()).ToListAsync();
        Assert.Single(indexes, i => i["key"].AsBsonDocument == keys);
    }

    /// <summary>Codes no LocalMongo state produces on its own (Cosmos DB's answers), injected with the failCommand fail point.</summary>
    [Theory]
    [InlineData(13, "Unauthorized")]
    [InlineData(67, "CannotCreateIndex")]
    [InlineData(85, "IndexOptionsConflict")]
    [InlineData(86, "IndexKeySpecsConflict")]
    public async Task A_permanent_index_error_is_reported_once_and_not_retried(int code, string codeName)
    {
        await using var mongo = await LocalMongoServer.StartAsync();
        using var admin = new MongoClient(mongo.ConnectionString);
        await FailPoints.ConfigureAsync(admin, "alwaysOn", new BsonDocument { { "failCommands", new BsonArray { "createIndexes" } }, { "errorCode", code } });
        using var startup = new Startup(mongo.ConnectionString);

        await startup.RunToEndAsync();

        var failure = Assert.Single(startup.Logger.Entries, e => e.Level == LogLevel.Error);
        Assert.Equal(3212, failure.EventId);
        Assert.Contains($"{codeName} ({code})", failure.Message, StringComparison.Ordinal);
        Assert.Contains($"{codeName} ({code})", (await startup.ReadinessAsync()).Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_transient_index_error_keeps_the_retries_going_and_the_store_pending()
    {
        await using var mongo = await LocalMongoServer.StartAsync();
        using var admin = new MongoClient(mongo.ConnectionString);
        await FailPoints.ConfigureAsync(admin, new BsonDocument("times", 2), new BsonDocument
        {
            { "failCommands", new BsonArray { "createIndexes" } },
            { "errorCode", 16500 },
            { "errmsg", "Request rate is large. RetryAfterMs=100" },
        });
        using var startup = new Startup(mongo.ConnectionString);

        await startup.Initializer.StartAsync(CancellationToken.None);
        await Eventually.TrueAsync(() => startup.Logger.Entries.Count(e => e.EventId == 3211) == 1);
        Assert.Equal(StoreSetupStatus.Pending, startup.Setup.Current.Status);
        Assert.Contains("MongoCommandException", startup.Setup.Current.Description, StringComparison.Ordinal);
        await Eventually.TrueAsync(() =>
        {
            startup.Time.Advance(TimeSpan.FromSeconds(5));
            return startup.Initializer.ExecuteTask!.IsCompleted;
        });

        Assert.Equal(2, startup.Logger.Entries.Count(e => e.EventId == 3211));
        Assert.Equal(StoreSetupStatus.Ready, startup.Setup.Current.Status);
        Assert.DoesNotContain(startup.Logger.Entries, e => e.Level >= LogLevel.Error);
    }

    [Fact]
    public async Task With_index_creation_off_no_index_is_created_and_readiness_does_not_wait_for_one()
    {
        await using var mongo = await LocalMongoServer.StartAsync();
        using var admin = new MongoClient(mongo.ConnectionString);
        // Were createIndexes sent, it would fail for good and the store would be unready.
        await FailPoints.ConfigureAsync(admin, "alwaysOn", new BsonDocument { { "failCommands", new BsonArray { "createIndexes" } }, { "errorCode", 13 } });
        using var startup = new Startup(mongo.ConnectionString, createIndexes: false);
        Assert.Equal(HealthStatus.Healthy, (await startup.ReadinessAsync()).Status);

        await startup.RunToEndAsync();

        Assert.Contains(startup.Logger.Entries, e => e.EventId == 3214 && e.Level == LogLevel.Information);
        Assert.DoesNotContain(startup.Logger.Entries, e => e.EventId is 3210 or 3212);
        Assert.Equal(StoreSetupStatus.Ready, startup.Setup.Current.Status);
        var names = await (await startup.Client.GetDatabase(startup.Options.Database).ListCollectionNamesAsync()).ToListAsync();
        Assert.DoesNotContain(startup.Options.Collection, names);
        Assert.Equal(HealthStatus.Healthy, (await startup.ReadinessAsync()).Status);
    }

    [Fact]
    public async Task With_index_creation_off_a_store_that_is_down_does_not_make_the_setup_unready()
    {
        await using var mongo = await LocalMongoServer.StartAsync();
        await mongo.StopListeningAsync();
        using var startup = new Startup(mongo.ConnectionString, createIndexes: false);

        await startup.Initializer.StartAsync(CancellationToken.None);
        await Eventually.TrueAsync(() => startup.Logger.Entries.Any(e => e.EventId == 3211));

        // The "store" check (a ping) reports the outage; this one only waits for nothing.
        Assert.Equal(HealthStatus.Healthy, (await startup.ReadinessAsync()).Status);
        await startup.Initializer.StopAsync(CancellationToken.None);
    }

    [Theory]
    [InlineData(8, "4.2")]
    [InlineData(7, "4.0")]
    public async Task A_server_older_than_the_driver_supports_is_named_in_one_error_line_and_makes_the_store_unready(int wireVersion, string serverVersion)
    {
        await using var mongo = await LocalMongoServer.StartAsync(new LocalMongoServerOptions { MaxWireVersion = wireVersion });
        using var startup = new Startup(mongo.ConnectionString);

        await startup.RunToEndAsync();

        var failure = Assert.Single(startup.Logger.Entries, e => e.Level == LogLevel.Error);
        Assert.Equal(3213, failure.EventId);
        Assert.Contains($"runs MongoDB {serverVersion}", failure.Message, StringComparison.Ordinal);
        Assert.Contains($"(wire version {wireVersion})", failure.Message, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{mongo.Port}", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(startup.Logger.Entries, e => e.EventId == 3211);
        var readiness = await startup.ReadinessAsync();
        Assert.Equal(HealthStatus.Unhealthy, readiness.Status);
        Assert.Contains("older than MongoDB 4.4", readiness.Description, StringComparison.Ordinal);

        // What every POST then meets: a failure that retrying does not fix (500 store-error), not a timeout.
        var result = await startup.Store.InsertAsync(
            [new ClickEvent { Id = "old-1", DeviceId = "d", ClickType = ClickTypes.SingleClick, OccurredAt = DateTimeOffset.UnixEpoch, ReceivedAt = DateTimeOffset.UnixEpoch, Source = ClickSources.MqttButton }],
            default);
        Assert.Equal(ClickStoreOutcome.Failed, result.Outcome);
        var ping = await new StoreReadinessCheck(startup.Client, Microsoft.Extensions.Options.Options.Create(startup.Options)).CheckHealthAsync(new HealthCheckContext());
        Assert.Contains("older than MongoDB 4.4", ping.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MongoDB_4_4_the_oldest_supported_server_is_accepted()
    {
        await using var mongo = await LocalMongoServer.StartAsync(new LocalMongoServerOptions { MaxWireVersion = 9 });
        using var startup = new Startup(mongo.ConnectionString);

        await startup.RunToEndAsync();

        Assert.Equal(StoreSetupStatus.Ready, startup.Setup.Current.Status);
        Assert.DoesNotContain(startup.Logger.Entries, e => e.Level >= LogLevel.Warning);
    }

    internal sealed class ListLogger<T> : ILogger<T>
    {
        public ConcurrentQueue<(LogLevel Level, int EventId, string Message)> Entries { get; } = new();

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Enqueue((logLevel, eventId.Id, formatter(state, exception)));
    }
}
