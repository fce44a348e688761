using MongoDB.Bson;
using MongoDB.Driver;
using ButtonFunctions.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using LocalMongo;
using ButtonFunctions.Tests.LocalHost;

namespace ButtonFunctions.Tests.LocalMongo;

/// <summary>mongod's failCommand fail point; the same commands work against mongod --setParameter enableTestCommands=1.</summary>
[Trait("Category", "Unit")]
public sealed class LocalMongoFailPointTests
{
    [Fact]
    public async Task ErrorCode_16500_fails_exactly_times_inserts_then_inserts_succeed()
    {
        await using var mongo = await LocalMongoContext.StartAsync();
        var clicks = mongo.Collection("clicks");
        var configured = await FailPoints.ConfigureAsync(mongo.Client, new BsonDocument("times", 2), new BsonDocument
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
        await FailPoints.ConfigureAsync(mongo.Client, new BsonDocument("times", 1), new BsonDocument
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
        await FailPoints.ConfigureAsync(mongo.Client, new BsonDocument("skip", 1), new BsonDocument
        {
            { "failCommands", new BsonArray { "insert" } },
            { "errorCode", 16500 },
        });

        await clicks.InsertOneAsync(new BsonDocument("_id", 1));
        var failed = await Assert.ThrowsAsync<MongoCommandException>(() => clicks.InsertOneAsync(new BsonDocument("_id", 2)));
        var off = await FailPoints.ConfigureAsync(mongo.Client, "off", []);
        await Eventually.MongoSucceedsAsync(() => clicks.InsertOneAsync(new BsonDocument("_id", 3)));

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
        await FailPoints.ConfigureAsync(mongo.Client, new BsonDocument("times", 1), new BsonDocument
        {
            { "failCommands", new BsonArray { "insert" } },
            { "closeConnection", true },
        });

        await Assert.ThrowsAsync<MongoConnectionException>(() => clicks.InsertOneAsync(new BsonDocument("_id", 1)));
        await Eventually.MongoSucceedsAsync(() => clicks.InsertOneAsync(new BsonDocument("_id", 2)));

        Assert.Equal([0, 2], (await clicks.Find(FilterDefinition<BsonDocument>.Empty).ToListAsync()).Select(d => d["_id"].AsInt32));
    }

    [Fact]
    public async Task BlockConnection_holds_the_command_for_blockTimeMS_of_the_servers_clock_then_runs_it()
    {
        // The server runs on a fake clock: the command stays blocked, however slow the machine, until time is moved.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var logs = new CapturingLoggerProvider();
        await using var server = await LocalMongoServer.StartAsync(0, logs.CreateLogger("LocalMongo"), time);
        using var client = LocalMongoContext.CreateClient(server);
        var clicks = client.GetDatabase("buttons").GetCollection<BsonDocument>("clicks");
        await clicks.InsertOneAsync(new BsonDocument("_id", 1));
        await FailPoints.ConfigureAsync(client, new BsonDocument("times", 1), new BsonDocument
        {
            { "failCommands", new BsonArray { "find" } },
            { "blockConnection", true },
            { "blockTimeMS", 500 },
        });

        var find = clicks.Find(FilterDefinition<BsonDocument>.Empty).ToListAsync();
        await Eventually.TrueAsync(() => logs.Entries.Any(e => e.Message.StartsWith("failCommand fired for find", StringComparison.Ordinal)));
        Assert.NotSame(find, await Task.WhenAny(find, Task.Delay(TimeSpan.FromMilliseconds(250))));

        var advanced = TimeSpan.Zero;
        while (!find.IsCompleted && advanced < TimeSpan.FromMinutes(1))
        {
            time.Advance(TimeSpan.FromMilliseconds(50));
            advanced += TimeSpan.FromMilliseconds(50);
            await Task.WhenAny(find, Task.Delay(TimeSpan.FromMilliseconds(20)));
        }

        Assert.Single(await find);
        Assert.True(advanced >= TimeSpan.FromMilliseconds(500), $"the find returned after {advanced.TotalMilliseconds} ms of the server's clock");
    }

    [Fact]
    public async Task AppName_limits_the_fail_point_to_one_client_and_writeConcernError_is_reported()
    {
        await using var mongo = await LocalMongoContext.StartAsync();
        using var other = LocalMongoContext.CreateClient(mongo.Server, appName: "other-app");
        var otherClicks = other.GetDatabase("buttons").GetCollection<BsonDocument>("clicks");
        await FailPoints.ConfigureAsync(mongo.Client, "alwaysOn", new BsonDocument
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
        await FailPoints.ConfigureAsync(mongo.Client, new BsonDocument("times", 1), new BsonDocument
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
}
