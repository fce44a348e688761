using System.Collections.Concurrent;
using ButtonFunctions.Storage;
using LocalMongo;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using MongoDB.Bson;
using MongoDB.Driver;
using ButtonFunctions.Tests.Support;

namespace ButtonFunctions.Tests.Storage;

[Trait("Category", "Unit")]
public sealed class ClickStoreInitializerTests
{
    [Fact]
    public async Task A_store_that_is_down_at_start_up_is_logged_and_indexed_once_it_is_back()
    {
        await using var mongo = await LocalMongoServer.StartAsync();
        await mongo.StopListeningAsync();
        var options = new MongoOptions
        {
            ConnectionString = mongo.ConnectionString,
            Database = "init_" + Guid.NewGuid().ToString("N")[..8],
            ServerSelectionTimeout = TimeSpan.FromMilliseconds(200),
        };
        using var client = new MongoClient(StorageServiceCollectionExtensions.CreateClientSettings(options));
        var time = new FakeTimeProvider();
        var logger = new ListLogger<ClickStoreInitializer>();
        var store = new ClickStore(client, Options.Create(options), time, NullLogger<ClickStore>.Instance);
        using var initializer = new ClickStoreInitializer(store, time, logger);

        await initializer.StartAsync(CancellationToken.None);
        await Eventually.TrueAsync(() => logger.Entries.Any(e => e.EventId == 3211 && e.Level == LogLevel.Warning));
        Assert.False(initializer.ExecuteTask!.IsCompleted, "the app keeps running while the store is down");

        await mongo.ResumeListeningAsync();
        var collection = client.GetDatabase(options.Database).GetCollection<BsonDocument>(options.Collection);
        await Eventually.TrueAsync(() =>
        {
            time.Advance(TimeSpan.FromSeconds(5));
            return initializer.ExecuteTask!.IsCompletedSuccessfully;
        });

        Assert.Contains(logger.Entries, e => e.EventId == 3210);
        var indexes = await (await collection.Indexes.ListAsync()).ToListAsync();
        Assert.Equal(3, indexes.Count);
        await initializer.StopAsync(CancellationToken.None);
    }

    private sealed class ListLogger<T> : ILogger<T>
    {
        public ConcurrentQueue<(LogLevel Level, int EventId)> Entries { get; } = new();

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Enqueue((logLevel, eventId.Id));
    }
}
