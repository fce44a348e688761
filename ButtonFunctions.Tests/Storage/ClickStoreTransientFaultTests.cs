using System.Collections.Concurrent;
using System.Reflection;
using ButtonFunctions.Ingest;
using ButtonFunctions.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MongoDB.Bson;
using MongoDB.Driver;
using ButtonFunctions.Clicks;
using ButtonFunctions.Http;

namespace ButtonFunctions.Tests.Storage;

/// <summary>
/// Driver exceptions that no wire-protocol server can provoke on demand (they arise inside the driver's
/// connection pool under concurrent load), injected through a stand-in <see cref="IMongoClient"/>.
/// </summary>
[Trait("Category", "Unit")]
public sealed class ClickStoreTransientFaultTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 25, 18, 0, 0, TimeSpan.Zero);

    private static ClickEvent Click(string id) => new()
    {
        Id = id,
        DeviceId = "G030JF055364XVRB",
        ClickType = ClickTypes.SingleClick,
        OccurredAt = At,
        ReceivedAt = At,
        Source = ClickSources.IotButton,
    };

    public static TheoryData<Exception> PoolFaults => new()
    {
        // The driver pauses a server's pool after a network error until its monitor sees the server again.
        new MongoConnectionPoolPausedException("The connection pool is in paused state for server 127.0.0.1:27017."),
        new MongoWaitQueueFullException("The wait queue for acquiring a connection to server 127.0.0.1:27017 is full."),
    };

    [Theory]
    [MemberData(nameof(PoolFaults))]
    public async Task A_transient_connection_pool_fault_is_retried_and_then_the_clicks_are_stored(Exception fault)
    {
        var time = new SkippingTimeProvider();
        var collection = ScriptedCollection.Create(fault);
        var store = new ClickStore(ScriptedCollection.Client(collection), Options.Create(new MongoOptions { ConnectionString = "mongodb://unused" }), time, NullLogger<ClickStore>.Instance);

        var result = await store.InsertAsync([Click("a"), Click("b")], default);

        Assert.Equal(ClickStoreOutcome.Stored, result.Outcome);
        Assert.Equal(2, result.Inserted);
        Assert.Single(time.Waits);
        Assert.Equal(["a", "b"], ((ScriptedCollection)collection).Stored.Select(d => d["_id"].AsString).Order());
    }

    [Theory]
    [MemberData(nameof(PoolFaults))]
    public async Task A_connection_pool_fault_that_lasts_past_the_budget_is_unavailable_not_a_failure(Exception fault)
    {
        var collection = ScriptedCollection.Create(Enumerable.Repeat(fault, 1_000).ToArray());
        var store = new ClickStore(ScriptedCollection.Client(collection), Options.Create(new MongoOptions { ConnectionString = "mongodb://unused" }), new SkippingTimeProvider(), NullLogger<ClickStore>.Instance);

        var result = await store.InsertAsync([Click("a")], default);

        Assert.Equal(ClickStoreOutcome.Unavailable, result.Outcome);
        Assert.Null(result.RetryAfter); // no hint: the HTTP answer uses its own default (RetryAfter.StoreUnavailable)
    }

    /// <summary>A collection whose InsertManyAsync throws the scripted exceptions in turn, then stores.</summary>
#pragma warning disable CA1852 // DispatchProxy derives a type from it at run time: it must not be sealed.
    internal class ScriptedCollection : DispatchProxy
#pragma warning restore CA1852
    {
        private readonly ConcurrentQueue<Exception> _faults = new();

        public ConcurrentQueue<BsonDocument> Stored { get; } = new();

        private object? Database { get; set; }

        public static IMongoCollection<BsonDocument> Create(params Exception[] faults)
        {
            var collection = Create<IMongoCollection<BsonDocument>, ScriptedCollection>();
            foreach (var fault in faults)
            {
                ((ScriptedCollection)(object)collection)._faults.Enqueue(fault);
            }

            return collection;
        }

        public static IMongoClient Client(IMongoCollection<BsonDocument> collection)
        {
            var database = Create<IMongoDatabase, ScriptedCollection>();
            ((ScriptedCollection)(object)database).Database = collection;
            var client = Create<IMongoClient, ScriptedCollection>();
            ((ScriptedCollection)(object)client).Database = database;
            return client;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            switch (targetMethod!.Name)
            {
                case nameof(IMongoClient.GetDatabase):
                case nameof(IMongoDatabase.GetCollection):
                    return Database;
                case nameof(IMongoCollection<BsonDocument>.InsertManyAsync) when args![0] is IEnumerable<BsonDocument> documents:
                    if (_faults.TryDequeue(out var fault))
                    {
                        return Task.FromException(fault);
                    }

                    foreach (var document in documents)
                    {
                        Stored.Enqueue(document);
                    }

                    return Task.CompletedTask;
                default:
                    throw new NotSupportedException(targetMethod.Name);
            }
        }
    }
}
