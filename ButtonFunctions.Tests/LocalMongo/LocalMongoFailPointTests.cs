using System.Diagnostics;
using MongoDB.Bson;
using MongoDB.Driver;

namespace ButtonFunctions.Tests.LocalMongo;

/// <summary>mongod's failCommand fail point; the same commands work against mongod --setParameter enableTestCommands=1.</summary>
public sealed class LocalMongoFailPointTests
{
    [Fact]
    public async Task ErrorCode_16500_fails_exactly_times_inserts_then_inserts_succeed()
    {
        await using var mongo = await LocalMongoContext.StartAsync();
        var clicks = mongo.Collection("clicks");
        var configured = await mongo.ConfigureFailPointAsync(new BsonDocument("times", 2), new BsonDocument
        {
            { "failCommands", new BsonArray { "insert" } },
            { "errorCode", 16500 },
            { "errmsg", "Request rate is large. RetryAfterMs=120" },
        });

        var first = await Assert.ThrowsAsync<MongoCommandException>(() => clicks.InsertOneAsync(new BsonDocument("_id", 1)));
        var count = await clicks.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty); // not in failCommands
        var second = await Assert.ThrowsAsync<MongoCommandException>(() => clicks.InsertManyAsync(
            [new BsonDocument("_id", 1), new BsonDocument("_id", 2)], new InsertManyOptions { IsOrdered = false }));
        await clicks.InsertOneAsync(new BsonDocument("_id", 1));

        Assert.Equal(0, configured["count"].ToInt64());
        Assert.Equal(16500, first.Code);
        Assert.Contains("RetryAfterMs=120", first.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(16500, second.Code);
        Assert.Equal(0, count);
        Assert.Equal(1, await clicks.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    [Fact]
    public async Task WriteErrorsFrom_throttles_only_the_tail_of_an_insert_batch_like_Cosmos()
    {
        await using var mongo = await LocalMongoContext.StartAsync();
        var clicks = mongo.Collection("clicks");
        var batch = Enumerable.Range(0, 5).Select(i => new BsonDocument("_id", i)).ToList();
        await mongo.ConfigureFailPointAsync(new BsonDocument("times", 1), new BsonDocument
        {
            { "failCommands", new BsonArray { "insert" } },
            { "errorCode", 16500 },
            { "errmsg", "Request rate is large. RetryAfterMs=50" },
            { "writeErrorsFrom", 2 },
        });

        var e = await Assert.ThrowsAsync<MongoBulkWriteException<BsonDocument>>(() =>
            clicks.InsertManyAsync(batch, new InsertManyOptions { IsOrdered = false }));
        await clicks.InsertManyAsync(batch.Skip(2), new InsertManyOptions { IsOrdered = false });

        Assert.Equal([2, 3, 4], e.WriteErrors.Select(w => w.Index));
        Assert.All(e.WriteErrors, w => Assert.Equal(16500, w.Code));
        Assert.All(e.WriteErrors, w => Assert.Contains("RetryAfterMs=50", w.Message, StringComparison.Ordinal));
        Assert.Equal(2, e.Result.InsertedCount);
        Assert.Equal(5, await clicks.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    [Fact]
    public async Task Skip_mode_lets_the_first_commands_through_and_off_turns_the_point_off()
    {
        await using var mongo = await LocalMongoContext.StartAsync();
        var clicks = mongo.Collection("clicks");
        await mongo.ConfigureFailPointAsync(new BsonDocument("skip", 1), new BsonDocument
        {
            { "failCommands", new BsonArray { "insert" } },
            { "errorCode", 16500 },
        });

        await clicks.InsertOneAsync(new BsonDocument("_id", 1));
        var failed = await Assert.ThrowsAsync<MongoCommandException>(() => clicks.InsertOneAsync(new BsonDocument("_id", 2)));
        var off = await mongo.ConfigureFailPointAsync("off", []);
        await EventuallyAsync(() => clicks.InsertOneAsync(new BsonDocument("_id", 3)));

        Assert.Equal("Failing command via 'failCommand' failpoint", failed.ErrorMessage);
        Assert.Equal("Location16500", failed.CodeName); // mongod's name for a code it does not know
        Assert.Equal(1, off["count"].ToInt64());
        Assert.Equal([1, 3], (await clicks.Find(FilterDefinition<BsonDocument>.Empty).ToListAsync()).Select(d => d["_id"].AsInt32));
    }

    [Fact]
    public async Task CloseConnection_drops_the_connection_without_a_reply()
    {
        await using var mongo = await LocalMongoContext.StartAsync();
        var clicks = mongo.Collection("clicks");
        await clicks.InsertOneAsync(new BsonDocument("_id", 0));
        await mongo.ConfigureFailPointAsync(new BsonDocument("times", 1), new BsonDocument
        {
            { "failCommands", new BsonArray { "insert" } },
            { "closeConnection", true },
        });

        await Assert.ThrowsAsync<MongoConnectionException>(() => clicks.InsertOneAsync(new BsonDocument("_id", 1)));
        await EventuallyAsync(() => clicks.InsertOneAsync(new BsonDocument("_id", 2)));

        Assert.Equal([0, 2], (await clicks.Find(FilterDefinition<BsonDocument>.Empty).ToListAsync()).Select(d => d["_id"].AsInt32));
    }

    [Fact]
    public async Task BlockConnection_delays_the_command_then_runs_it()
    {
        await using var mongo = await LocalMongoContext.StartAsync();
        var clicks = mongo.Collection("clicks");
        await clicks.InsertOneAsync(new BsonDocument("_id", 1));
        await mongo.ConfigureFailPointAsync(new BsonDocument("times", 1), new BsonDocument
        {
            { "failCommands", new BsonArray { "find" } },
            { "blockConnection", true },
            { "blockTimeMS", 500 },
        });

        var watch = Stopwatch.StartNew();
        var found = await clicks.Find(FilterDefinition<BsonDocument>.Empty).ToListAsync();
        var blocked = watch.Elapsed;

        Assert.Single(found);
        Assert.True(blocked >= TimeSpan.FromMilliseconds(450), $"the find returned after {blocked}");
    }

    [Fact]
    public async Task AppName_limits_the_fail_point_to_one_client_and_writeConcernError_is_reported()
    {
        await using var mongo = await LocalMongoContext.StartAsync();
        using var other = LocalMongoContext.CreateClient(mongo.Server, appName: "other-app");
        var otherClicks = other.GetDatabase("buttons").GetCollection<BsonDocument>("clicks");
        await mongo.ConfigureFailPointAsync("alwaysOn", new BsonDocument
        {
            { "failCommands", new BsonArray { "insert" } },
            { "appName", "other-app" },
            { "writeConcernError", new BsonDocument { { "code", 64 }, { "errmsg", "waiting for replication timed out" } } },
        });

        await mongo.Collection("clicks").InsertOneAsync(new BsonDocument("_id", 1));
        var e = await Assert.ThrowsAsync<MongoWriteException>(() => otherClicks.InsertOneAsync(new BsonDocument("_id", 2)));

        Assert.Null(e.WriteError);
        Assert.Equal(64, e.WriteConcernError.Code);
        Assert.Equal(2, await otherClicks.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty)); // the write itself happened
    }

    [Fact]
    public async Task Namespace_filter_matches_getMore_by_its_collection_like_mongod()
    {
        await using var mongo = await LocalMongoContext.StartAsync();
        var clicks = mongo.Collection("clicks");
        await clicks.InsertManyAsync(Enumerable.Range(0, 4).Select(i => new BsonDocument("_id", i)));
        await mongo.ConfigureFailPointAsync(new BsonDocument("times", 1), new BsonDocument
        {
            { "failCommands", new BsonArray { "getMore" } },
            { "namespace", "buttons.clicks" },
            { "errorCode", 2 },
        });

        // getMore names its collection in 'collection' (its first field is the cursor id); mongod matches the cursor's namespace.
        var e = await Assert.ThrowsAsync<MongoCommandException>(() =>
            clicks.Find(FilterDefinition<BsonDocument>.Empty, new FindOptions { BatchSize = 2 }).ToListAsync());

        Assert.Equal(2, e.Code);
        Assert.Equal("getMore", e.Command.GetElement(0).Name);
    }

    private static async Task EventuallyAsync(Func<Task> operation)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            try
            {
                await operation();
                return;
            }
            catch (Exception e) when ((e is MongoConnectionException or TimeoutException) && DateTime.UtcNow < deadline)
            {
                // The driver cleared its pool after the failure; the next attempt reconnects.
            }
        }
    }
}
