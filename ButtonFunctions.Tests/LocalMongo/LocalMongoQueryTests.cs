using MongoDB.Bson;
using MongoDB.Driver;

namespace ButtonFunctions.Tests.LocalMongo;

[Trait("Category", "Unit")]
public sealed class LocalMongoQueryTests
{
    private static readonly DateTime T0 = new(2026, 11, 25, 12, 0, 0, DateTimeKind.Utc);

    private static BsonDocument Click(string id, string device, string type, int minute, int? battery = null)
    {
        var doc = new BsonDocument
        {
            { "_id", id },
            { "deviceId", device },
            { "clickType", type },
            { "occurredAt", T0.AddMinutes(minute) },
        };
        if (battery is not null)
        {
            doc.Add("batteryMillivolts", battery.Value);
        }

        return doc;
    }

    private static async Task<IMongoCollection<BsonDocument>> SeedAsync(LocalMongoContext mongo)
    {
        var clicks = mongo.Collection("clicks");
        await clicks.InsertManyAsync(
        [
            Click("a", "dev-1", "SINGLE", 1, 1705),
            Click("b", "dev-1", "DOUBLE", 2, 1700),
            Click("c", "dev-2", "LONG", 3),
            Click("d", "dev-2", "SINGLE", 4, 1650),
            Click("e", "dev-3", "SINGLE", 5, 1800),
        ]);
        return clicks;
    }

    [Fact]
    public async Task Inserted_documents_come_back_filtered_sorted_and_limited()
    {
        await using var mongo = await LocalMongoContext.StartAsync();
        var clicks = await SeedAsync(mongo);
        var f = Builders<BsonDocument>.Filter;

        var newestTwoSingles = await clicks.Find(f.Eq("clickType", "SINGLE")).Sort(new BsonDocument("occurredAt", -1)).Limit(2).ToListAsync();
        var window = await clicks.Find(f.Gte("occurredAt", T0.AddMinutes(2)) & f.Lt("occurredAt", T0.AddMinutes(4))).ToListAsync();
        var inDevices = await clicks.Find(f.In("deviceId", ["dev-1", "dev-3"]) & f.Ne("clickType", "DOUBLE")).ToListAsync();
        var withoutBattery = await clicks.Find(f.Exists("batteryMillivolts", false)).ToListAsync();
        var either = await clicks.Find(f.Or(f.Eq("_id", "a"), f.Lte("batteryMillivolts", 1650))).Sort(new BsonDocument("_id", 1)).ToListAsync();
        var notIn = await clicks.Find(f.Nin("deviceId", ["dev-1", "dev-2"])).ToListAsync();
        var skipped = await clicks.Find(FilterDefinition<BsonDocument>.Empty).Sort(new BsonDocument("_id", 1)).Skip(3).ToListAsync();
        var projected = await clicks.Find(f.Eq("_id", "a")).Project(new BsonDocument { { "deviceId", 1 }, { "_id", 0 } }).SingleAsync();
        var onlyId = await clicks.Find(f.Eq("_id", "a")).Project(new BsonDocument("_id", 1)).SingleAsync();
        var excluded = await clicks.Find(f.Eq("_id", "a")).Project(BsonDocument.Parse("{ clickType: 0, occurredAt: 0, batteryMillivolts: 0 }")).SingleAsync();

        Assert.Equal(["e", "d"], newestTwoSingles.Select(d => d["_id"].AsString));
        Assert.Equal(["b", "c"], window.Select(d => d["_id"].AsString));
        Assert.Equal(["a", "e"], inDevices.Select(d => d["_id"].AsString));
        Assert.Equal(["c"], withoutBattery.Select(d => d["_id"].AsString));
        Assert.Equal(["a", "d"], either.Select(d => d["_id"].AsString));
        Assert.Equal(["e"], notIn.Select(d => d["_id"].AsString));
        Assert.Equal(["d", "e"], skipped.Select(d => d["_id"].AsString));
        Assert.Equal(new BsonDocument("deviceId", "dev-1"), projected);
        Assert.Equal(new BsonDocument("_id", "a"), onlyId);
        Assert.Equal(new BsonDocument { { "_id", "a" }, { "deviceId", "dev-1" } }, excluded);
    }

    [Fact]
    public async Task Equality_reaches_into_dotted_paths_and_arrays_and_null_matches_missing()
    {
        await using var mongo = await LocalMongoContext.StartAsync();
        var docs = mongo.Collection("docs");
        await docs.InsertManyAsync(
        [
            BsonDocument.Parse("{ _id: 1, placement: { name: 'hall', tags: ['x', 'y'] }, n: 1 }"),
            BsonDocument.Parse("{ _id: 2, placement: [{ name: 'door' }, { name: 'hall' }], n: 1.0 }"),
            BsonDocument.Parse("{ _id: 3, placement: { name: 'yard' }, n: null }"),
            BsonDocument.Parse("{ _id: 4 }"),
        ]);

        async Task ExpectAsync(string filter, params int[] ids) =>
            Assert.Equal(ids, (await docs.Find(BsonDocument.Parse(filter)).Sort(new BsonDocument("_id", 1)).ToListAsync()).Select(d => d["_id"].AsInt32));

        await ExpectAsync("{ 'placement.name': 'hall' }", 1, 2);
        await ExpectAsync("{ 'placement.tags': 'y' }", 1);
        await ExpectAsync("{ 'placement.tags': ['x', 'y'] }", 1);
        await ExpectAsync("{ n: 1 }", 1, 2); // 1 == 1.0: numeric equality across types
        await ExpectAsync("{ n: null }", 3, 4);
        await ExpectAsync("{ n: { $gt: 0 } }", 1, 2); // type bracketing: null is not > 0
        await ExpectAsync("{ placement: { $exists: false } }", 4);
        await ExpectAsync("{ $and: [{ _id: { $gte: 1 } }, { _id: { $lte: 3 } }] }", 1, 2, 3);
    }

    [Fact]
    public async Task Sort_follows_MongoDB_type_order_and_code_point_string_order()
    {
        await using var mongo = await LocalMongoContext.StartAsync();
        var docs = mongo.Collection("docs");
        await docs.InsertManyAsync(
        [
            new BsonDocument { { "_id", "date" }, { "v", T0 } },
            new BsonDocument { { "_id", "lower-a" }, { "v", "a" } },
            new BsonDocument { { "_id", "true" }, { "v", true } },
            new BsonDocument { { "_id", "upper-B" }, { "v", "B" } },
            new BsonDocument { { "_id", "two-and-half" }, { "v", 2.5 } },
            new BsonDocument { { "_id", "missing" } },
            new BsonDocument { { "_id", "one" }, { "v", 1 } },
            new BsonDocument { { "_id", "long-3" }, { "v", 3L } },
            new BsonDocument { { "_id", "doc" }, { "v", new BsonDocument("x", 1) } },
        ]);

        var ascending = await docs.Find(FilterDefinition<BsonDocument>.Empty).Sort(new BsonDocument("v", 1)).ToListAsync();

        // Null/missing < numbers < strings (by UTF-8 bytes: "B" < "a") < objects < booleans < dates.
        Assert.Equal(
            ["missing", "one", "two-and-half", "long-3", "upper-B", "lower-a", "doc", "true", "date"],
            ascending.Select(d => d["_id"].AsString));
    }

    [Fact]
    public async Task Find_options_that_would_change_the_results_are_NotImplemented_not_ignored()
    {
        await using var mongo = await LocalMongoContext.StartAsync();
        var clicks = await SeedAsync(mongo);

        // Ignored, each of these returned every document in full: more than mongod, and of another shape.
        var bounded = await Assert.ThrowsAsync<MongoCommandException>(() => clicks.Find(FilterDefinition<BsonDocument>.Empty,
            new FindOptions { Min = new BsonDocument("_id", "b"), Max = new BsonDocument("_id", "d"), Hint = new BsonDocument("_id", 1) }).ToListAsync());
        var keysOnly = await Assert.ThrowsAsync<MongoCommandException>(() => clicks.Find(FilterDefinition<BsonDocument>.Empty,
            new FindOptions { ReturnKey = true }).ToListAsync());
        var recordIds = await Assert.ThrowsAsync<MongoCommandException>(() => clicks.Find(FilterDefinition<BsonDocument>.Empty,
            new FindOptions { ShowRecordId = true }).ToListAsync());

        Assert.Equal(238, bounded.Code);
        Assert.Equal(238, keysOnly.Code);
        Assert.Equal(238, recordIds.Code);
        Assert.Equal(5, (await clicks.Find(FilterDefinition<BsonDocument>.Empty, new FindOptions { ReturnKey = false, ShowRecordId = false }).ToListAsync()).Count);
    }

    [Fact]
    public async Task Natural_sort_and_hint_follow_insertion_order_both_ways()
    {
        await using var mongo = await LocalMongoContext.StartAsync();
        var docs = mongo.Collection("natural");
        await docs.InsertManyAsync([new BsonDocument("_id", 3), new BsonDocument("_id", 1), new BsonDocument("_id", 2)]);

        var forward = await docs.Find(FilterDefinition<BsonDocument>.Empty).Sort(new BsonDocument("$natural", 1)).ToListAsync();
        var newestFirst = await docs.Find(FilterDefinition<BsonDocument>.Empty).Sort(new BsonDocument("$natural", -1)).Limit(2).ToListAsync();
        var hinted = await docs.Find(FilterDefinition<BsonDocument>.Empty, new FindOptions { Hint = new BsonDocument("$natural", -1) }).ToListAsync();
        var compound = await Assert.ThrowsAsync<MongoCommandException>(() =>
            docs.Find(FilterDefinition<BsonDocument>.Empty).Sort(new BsonDocument { { "$natural", -1 }, { "_id", 1 } }).ToListAsync());

        Assert.Equal([3, 1, 2], forward.Select(d => d["_id"].AsInt32));
        Assert.Equal([2, 1], newestFirst.Select(d => d["_id"].AsInt32));
        Assert.Equal([2, 1, 3], hinted.Select(d => d["_id"].AsInt32));
        Assert.Equal(238, compound.Code);
    }

    [Fact]
    public async Task Small_batch_size_pages_with_getMore_and_disposing_early_kills_the_cursor()
    {
        await using var mongo = await LocalMongoContext.StartAsync();
        var docs = mongo.Collection("docs");
        await docs.InsertManyAsync(Enumerable.Range(0, 25).Select(i => new BsonDocument("_id", i)));

        var all = await docs.Find(FilterDefinition<BsonDocument>.Empty, new FindOptions { BatchSize = 4 }).ToListAsync();
        var getMores = mongo.Started.Count(e => e.CommandName == "getMore");

        Assert.Equal(Enumerable.Range(0, 25), all.Select(d => d["_id"].AsInt32));
        Assert.Equal(6, getMores); // 4 in the first batch, then 4+4+4+4+4+1

        long cursorId;
        using (var cursor = await docs.FindAsync(FilterDefinition<BsonDocument>.Empty, new FindOptions<BsonDocument> { BatchSize = 3 }))
        {
            Assert.True(await cursor.MoveNextAsync());
            Assert.Equal(3, cursor.Current.Count());
        }

        var kill = Assert.Single(mongo.Started, e => e.CommandName == "killCursors");
        cursorId = kill.Command["cursors"][0].AsInt64;
        Assert.NotEqual(0, cursorId);
        var e = await Assert.ThrowsAsync<MongoCommandException>(() => mongo.Database.RunCommandAsync<BsonDocument>(
            new BsonDocument { { "getMore", cursorId }, { "collection", "docs" } }));
        Assert.Equal(43, e.Code);
        Assert.Equal("CursorNotFound", e.CodeName);
    }

    [Fact]
    public async Task CountDocuments_counts_matches_with_skip_and_limit()
    {
        await using var mongo = await LocalMongoContext.StartAsync();
        var clicks = await SeedAsync(mongo);

        Assert.Equal(5, await clicks.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
        Assert.Equal(3, await clicks.CountDocumentsAsync(new BsonDocument("clickType", "SINGLE")));
        Assert.Equal(2, await clicks.CountDocumentsAsync(new BsonDocument("clickType", "SINGLE"), new CountOptions { Skip = 1 }));
        Assert.Equal(1, await clicks.CountDocumentsAsync(new BsonDocument("clickType", "SINGLE"), new CountOptions { Limit = 1 }));
        Assert.Equal(0, await mongo.Collection("nothing-here").CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
        Assert.Equal(5, await clicks.EstimatedDocumentCountAsync());
    }

    [Fact]
    public async Task Aggregate_group_summarises_per_device_and_click_type()
    {
        await using var mongo = await LocalMongoContext.StartAsync();
        var clicks = await SeedAsync(mongo);
        await clicks.InsertOneAsync(Click("f", "dev-1", "SINGLE", 9, 1690));

        var summary = await clicks.Aggregate<BsonDocument>(PipelineDefinition<BsonDocument, BsonDocument>.Create(
            "{ $match: { deviceId: { $in: ['dev-1', 'dev-2'] } } }",
            "{ $sort: { occurredAt: 1 } }",
            "{ $group: { _id: { deviceId: '$deviceId', clickType: '$clickType' }, clicks: { $sum: 1 }, lastSeen: { $max: '$occurredAt' }, firstSeen: { $min: '$occurredAt' }, lastBattery: { $last: '$batteryMillivolts' }, firstBattery: { $first: '$batteryMillivolts' } } }",
            "{ $sort: { '_id.deviceId': 1, '_id.clickType': -1 } }",
            "{ $project: { _id: 0, device: '$_id.deviceId', type: '$_id.clickType', clicks: 1, lastSeen: 1, firstSeen: 1, lastBattery: 1, firstBattery: 1 } }")).ToListAsync();
        var perDevice = await clicks.Aggregate<BsonDocument>(PipelineDefinition<BsonDocument, BsonDocument>.Create(
            "{ $group: { _id: '$deviceId', n: { $sum: 1 } } }",
            "{ $match: { n: { $gte: 2 } } }",
            "{ $count: 'busyDevices' }")).SingleAsync();

        Assert.Equal(4, summary.Count);
        var dev1Single = summary[0];
        Assert.Equal("dev-1", dev1Single["device"].AsString);
        Assert.Equal("SINGLE", dev1Single["type"].AsString);
        Assert.Equal(2, dev1Single["clicks"].AsInt32);
        Assert.Equal(T0.AddMinutes(9), dev1Single["lastSeen"].ToUniversalTime());
        Assert.Equal(T0.AddMinutes(1), dev1Single["firstSeen"].ToUniversalTime());
        Assert.Equal(1690, dev1Single["lastBattery"].AsInt32);
        Assert.Equal(1705, dev1Single["firstBattery"].AsInt32);
        Assert.Equal(["SINGLE", "DOUBLE", "SINGLE", "LONG"], summary.Select(d => d["type"].AsString));
        Assert.True(summary[3]["lastBattery"].IsBsonNull, "$last of a missing field is null");
        Assert.Equal(2, perDevice["busyDevices"].AsInt32);
    }

    [Fact]
    public async Task Delete_removes_one_or_all_matches_and_drop_removes_the_collection()
    {
        await using var mongo = await LocalMongoContext.StartAsync();
        var clicks = await SeedAsync(mongo);

        var one = await clicks.DeleteOneAsync(new BsonDocument("clickType", "SINGLE"));
        var many = await clicks.DeleteManyAsync(new BsonDocument("clickType", "SINGLE"));

        Assert.Equal(1, one.DeletedCount);
        Assert.Equal(2, many.DeletedCount);
        Assert.Equal(["b", "c"], (await clicks.Find(FilterDefinition<BsonDocument>.Empty).ToListAsync()).Select(d => d["_id"].AsString));

        await clicks.InsertOneAsync(Click("a", "dev-1", "SINGLE", 1)); // the deleted _id is free again
        await mongo.Database.DropCollectionAsync("clicks");
        var names = await (await mongo.Database.ListCollectionNamesAsync()).ToListAsync();
        Assert.DoesNotContain("clicks", names);
        Assert.Equal(0, await clicks.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    [Fact]
    public async Task Unknown_query_operator_is_refused_like_mongod()
    {
        await using var mongo = await LocalMongoContext.StartAsync();
        var clicks = await SeedAsync(mongo);

        var e = await Assert.ThrowsAsync<MongoCommandException>(() => clicks.Find(BsonDocument.Parse("{ n: { $frob: 1 } }")).ToListAsync());

        Assert.Equal(2, e.Code);
        Assert.Equal("unknown operator: $frob", e.ErrorMessage);
    }
}
