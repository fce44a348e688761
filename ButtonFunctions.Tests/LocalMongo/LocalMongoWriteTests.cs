using MongoDB.Bson;
using MongoDB.Driver;

namespace ButtonFunctions.Tests.LocalMongo;

[Trait("Category", "Unit")]
public sealed class LocalMongoWriteTests
{
    [Fact]
    public async Task Unordered_InsertMany_with_duplicates_reports_each_duplicate_and_stores_the_rest()
    {
        await using var mongo = await LocalMongoContext.StartAsync();
        var clicks = mongo.Collection("clicks");
        await clicks.InsertOneAsync(new BsonDocument("_id", "c"));

        var e = await Assert.ThrowsAsync<MongoBulkWriteException<BsonDocument>>(() => clicks.InsertManyAsync(
            [new BsonDocument("_id", "a"), new BsonDocument("_id", "b"), new BsonDocument("_id", "a"), new BsonDocument("_id", "c"), new BsonDocument("_id", "d")],
            new InsertManyOptions { IsOrdered = false }));

        Assert.Equal([2, 3], e.WriteErrors.Select(w => w.Index));
        Assert.All(e.WriteErrors, w => Assert.Equal(11000, w.Code));
        Assert.All(e.WriteErrors, w => Assert.Equal(ServerErrorCategory.DuplicateKey, w.Category));
        Assert.Equal("E11000 duplicate key error collection: buttons.clicks index: _id_ dup key: { _id: \"a\" }", e.WriteErrors[0].Message);
        Assert.Equal(3, e.Result.InsertedCount);
        Assert.Equal(4, await clicks.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    [Fact]
    public async Task Ordered_InsertMany_stops_at_the_first_duplicate()
    {
        await using var mongo = await LocalMongoContext.StartAsync();
        var clicks = mongo.Collection("clicks");

        var e = await Assert.ThrowsAsync<MongoBulkWriteException<BsonDocument>>(() => clicks.InsertManyAsync(
            [new BsonDocument("_id", 1), new BsonDocument("_id", 1.0), new BsonDocument("_id", 2)]));

        var error = Assert.Single(e.WriteErrors);
        Assert.Equal(1, error.Index);
        Assert.Equal("E11000 duplicate key error collection: buttons.clicks index: _id_ dup key: { _id: 1.0 }", error.Message);
        Assert.Equal(1, e.Result.InsertedCount);
        Assert.Equal(1, await clicks.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    [Fact]
    public async Task InsertOne_duplicate_surfaces_as_a_duplicate_key_write_error_and_missing_ids_are_generated()
    {
        await using var mongo = await LocalMongoContext.StartAsync();
        var clicks = mongo.Collection("clicks");
        var raw = mongo.Database.GetCollection<RawBsonDocument>("clicks");
        await clicks.InsertOneAsync(new BsonDocument("_id", "x"));

        var e = await Assert.ThrowsAsync<MongoWriteException>(() => clicks.InsertOneAsync(new BsonDocument("_id", "x")));

        Assert.Equal(ServerErrorCategory.DuplicateKey, e.WriteError.Category);
        Assert.Equal(11000, e.WriteError.Code);

        // Without an _id the server adds an ObjectId as the first field, as mongod does.
        await mongo.Database.RunCommandAsync<BsonDocument>(new BsonDocument
        {
            { "insert", "clicks" },
            { "documents", new BsonArray { new BsonDocument("deviceId", "d") } },
        });
        var stored = await clicks.Find(new BsonDocument("deviceId", "d")).SingleAsync();
        Assert.Equal("_id", stored.GetElement(0).Name);
        Assert.Equal(BsonType.ObjectId, stored["_id"].BsonType);
        Assert.Equal(2, await raw.CountDocumentsAsync(FilterDefinition<RawBsonDocument>.Empty));
    }

    [Fact]
    public async Task Unique_secondary_index_rejects_duplicate_values_with_keyPattern_and_keyValue()
    {
        await using var mongo = await LocalMongoContext.StartAsync();
        var clicks = mongo.Collection("clicks");
        await clicks.Indexes.CreateOneAsync(new CreateIndexModel<BsonDocument>(
            new BsonDocument { { "deviceId", 1 }, { "seq", 1 } }, new CreateIndexOptions { Unique = true }));
        await clicks.InsertOneAsync(new BsonDocument { { "_id", 1 }, { "deviceId", "d1" }, { "seq", 1 } });
        await clicks.InsertOneAsync(new BsonDocument { { "_id", 2 }, { "deviceId", "d1" }, { "seq", 2 } });

        var e = await Assert.ThrowsAsync<MongoWriteException>(() =>
            clicks.InsertOneAsync(new BsonDocument { { "_id", 3 }, { "deviceId", "d1" }, { "seq", 1 } }));
        var reply = await mongo.Database.RunCommandAsync<BsonDocument>(new BsonDocument
        {
            { "insert", "clicks" },
            { "documents", new BsonArray { new BsonDocument { { "_id", 4 }, { "deviceId", "d1" }, { "seq", 2 } } } },
        });

        Assert.Equal(11000, e.WriteError.Code);
        Assert.Equal("E11000 duplicate key error collection: buttons.clicks index: deviceId_1_seq_1 dup key: { deviceId: \"d1\", seq: 1 }", e.WriteError.Message);
        var writeError = reply["writeErrors"][0].AsBsonDocument;
        Assert.Equal(0, reply["n"].AsInt32);
        Assert.Equal(new BsonDocument { { "deviceId", 1 }, { "seq", 1 } }, writeError["keyPattern"]);
        Assert.Equal(new BsonDocument { { "deviceId", "d1" }, { "seq", 2 } }, writeError["keyValue"]);
        Assert.Equal(2, await clicks.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    [Fact]
    public async Task Compound_TTL_index_is_refused_like_mongod_and_a_single_field_one_is_kept()
    {
        await using var mongo = await LocalMongoContext.StartAsync();
        var clicks = mongo.Collection("clicks");
        var keys = Builders<BsonDocument>.IndexKeys;

        // mongod 7.0 (and Cosmos DB) refuse it; accepting it here would let start-up code pass locally and fail in Azure.
        var e = await Assert.ThrowsAsync<MongoCommandException>(() => clicks.Indexes.CreateOneAsync(new CreateIndexModel<BsonDocument>(
            keys.Ascending("deviceId").Descending("occurredAt"), new CreateIndexOptions { ExpireAfter = TimeSpan.FromDays(30) })));
        await clicks.Indexes.CreateOneAsync(new CreateIndexModel<BsonDocument>(
            keys.Descending("occurredAt"), new CreateIndexOptions { ExpireAfter = TimeSpan.FromDays(30) }));

        Assert.Equal(67, e.Code);
        Assert.Equal("CannotCreateIndex", e.CodeName);
        Assert.StartsWith("TTL indexes are single-field indexes, compound indexes do not support TTL. Index spec: { key: { deviceId: 1, occurredAt: -1 }", e.ErrorMessage, StringComparison.Ordinal);
        var names = (await (await clicks.Indexes.ListAsync()).ToListAsync()).Select(i => i["name"].AsString);
        Assert.Equal(["_id_", "occurredAt_-1"], names);
    }

    [Fact]
    public async Task Negative_or_NaN_TTL_is_refused_like_mongod()
    {
        await using var mongo = await LocalMongoContext.StartAsync();
        var clicks = mongo.Collection("clicks");
        await clicks.InsertOneAsync(new BsonDocument("_id", 1));

        var negative = await Assert.ThrowsAsync<MongoCommandException>(() => clicks.Indexes.CreateOneAsync(new CreateIndexModel<BsonDocument>(
            Builders<BsonDocument>.IndexKeys.Ascending("occurredAt"), new CreateIndexOptions { ExpireAfter = TimeSpan.FromSeconds(-1) })));
        var nan = await Assert.ThrowsAsync<MongoCommandException>(() => mongo.Database.RunCommandAsync<BsonDocument>(new BsonDocument
        {
            { "createIndexes", "clicks" },
            { "indexes", new BsonArray { new BsonDocument { { "key", new BsonDocument("t", 1) }, { "name", "t_1" }, { "expireAfterSeconds", double.NaN } } } },
        }));

        Assert.Equal(67, negative.Code);
        Assert.StartsWith(". Index spec: { key: { occurredAt: 1 }", negative.ErrorMessage, StringComparison.Ordinal);
        Assert.EndsWith(" :: caused by :: TTL index 'expireAfterSeconds' option cannot be less than 0", negative.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(67, nan.Code);
        Assert.EndsWith(" :: caused by :: TTL index 'expireAfterSeconds' option must not be NaN", nan.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(["_id_"], (await (await clicks.Indexes.ListAsync()).ToListAsync()).Select(i => i["name"].AsString));
    }

    [Fact]
    public async Task Unique_partial_index_only_constrains_documents_that_match_its_filter()
    {
        await using var mongo = await LocalMongoContext.StartAsync();
        var clicks = mongo.Collection("clicks");
        await clicks.InsertManyAsync(
        [
            new BsonDocument { { "_id", 1 }, { "deviceId", "d1" }, { "clickType", "DOUBLE" } },
            new BsonDocument { { "_id", 2 }, { "deviceId", "d1" }, { "clickType", "DOUBLE" } },
        ]);

        // One SINGLE click per device; other click types are outside the index.
        await clicks.Indexes.CreateOneAsync(new CreateIndexModel<BsonDocument>(
            Builders<BsonDocument>.IndexKeys.Ascending("deviceId"),
            new CreateIndexOptions<BsonDocument> { Unique = true, PartialFilterExpression = Builders<BsonDocument>.Filter.Eq("clickType", "SINGLE") }));
        await clicks.InsertOneAsync(new BsonDocument { { "_id", 3 }, { "deviceId", "d1" }, { "clickType", "DOUBLE" } });
        await clicks.InsertOneAsync(new BsonDocument { { "_id", 4 }, { "deviceId", "d1" }, { "clickType", "SINGLE" } });
        var duplicate = await Assert.ThrowsAsync<MongoWriteException>(() =>
            clicks.InsertOneAsync(new BsonDocument { { "_id", 5 }, { "deviceId", "d1" }, { "clickType", "SINGLE" } }));
        await clicks.DeleteOneAsync(new BsonDocument("_id", 3)); // outside the index: must not free d1's SINGLE slot
        var stillDuplicate = await Assert.ThrowsAsync<MongoWriteException>(() =>
            clicks.InsertOneAsync(new BsonDocument { { "_id", 6 }, { "deviceId", "d1" }, { "clickType", "SINGLE" } }));

        Assert.Equal(ServerErrorCategory.DuplicateKey, duplicate.WriteError.Category);
        Assert.Equal(ServerErrorCategory.DuplicateKey, stillDuplicate.WriteError.Category);
        Assert.Equal(3, await clicks.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    [Fact]
    public async Task Index_with_a_non_simple_collation_is_NotImplemented_rather_than_compared_byte_wise()
    {
        await using var mongo = await LocalMongoContext.StartAsync();
        var clicks = mongo.Collection("clicks");

        // mongod would treat "A" and "a" as one key of this unique index; comparing them as bytes would let both in.
        var e = await Assert.ThrowsAsync<MongoCommandException>(() => clicks.Indexes.CreateOneAsync(new CreateIndexModel<BsonDocument>(
            Builders<BsonDocument>.IndexKeys.Ascending("deviceId"),
            new CreateIndexOptions { Unique = true, Collation = new Collation("en", strength: CollationStrength.Secondary) })));
        await clicks.Indexes.CreateOneAsync(new CreateIndexModel<BsonDocument>(
            Builders<BsonDocument>.IndexKeys.Ascending("clickType"), new CreateIndexOptions { Collation = Collation.Simple }));

        Assert.Equal(238, e.Code);
    }

    [Fact]
    public async Task CreateIndexes_is_idempotent_and_conflicts_fail_like_mongod()
    {
        await using var mongo = await LocalMongoContext.StartAsync();
        var clicks = mongo.Collection("clicks");
        CreateIndexModel<BsonDocument>[] models =
        [
            new(new BsonDocument { { "deviceId", 1 }, { "occurredAt", -1 } }),
            new(new BsonDocument("occurredAt", -1)),
        ];

        var first = await clicks.Indexes.CreateManyAsync(models);
        var second = await clicks.Indexes.CreateManyAsync(models);
        var again = await mongo.Database.RunCommandAsync<BsonDocument>(BsonDocument.Parse(
            "{ createIndexes: 'clicks', indexes: [{ key: { occurredAt: -1 }, name: 'occurredAt_-1' }] }"));
        var listed = await (await clicks.Indexes.ListAsync()).ToListAsync();
        var sameNameOtherKey = await Assert.ThrowsAsync<MongoCommandException>(() => mongo.Database.RunCommandAsync<BsonDocument>(BsonDocument.Parse(
            "{ createIndexes: 'clicks', indexes: [{ key: { deviceId: 1 }, name: 'occurredAt_-1' }] }")));
        var sameKeyOtherName = await Assert.ThrowsAsync<MongoCommandException>(() => mongo.Database.RunCommandAsync<BsonDocument>(BsonDocument.Parse(
            "{ createIndexes: 'clicks', indexes: [{ key: { occurredAt: -1 }, name: 'newest' }] }")));
        var sameNameOtherOptions = await Assert.ThrowsAsync<MongoCommandException>(() => mongo.Database.RunCommandAsync<BsonDocument>(BsonDocument.Parse(
            "{ createIndexes: 'clicks', indexes: [{ key: { occurredAt: -1 }, name: 'occurredAt_-1', unique: true }] }")));

        Assert.Equal(["deviceId_1_occurredAt_-1", "occurredAt_-1"], first);
        Assert.Equal(first, second);
        Assert.Equal(3, again["numIndexesBefore"].AsInt32);
        Assert.Equal(3, again["numIndexesAfter"].AsInt32);
        Assert.Equal("all indexes already exist", again["note"].AsString);
        Assert.Equal(["_id_", "deviceId_1_occurredAt_-1", "occurredAt_-1"], listed.Select(i => i["name"].AsString));
        Assert.Equal(new BsonDocument { { "deviceId", 1 }, { "occurredAt", -1 } }, listed[1]["key"]);
        Assert.Equal(86, sameNameOtherKey.Code);
        Assert.Equal("IndexKeySpecsConflict", sameNameOtherKey.CodeName);
        Assert.Equal(85, sameKeyOtherName.Code);
        Assert.Equal(85, sameNameOtherOptions.Code);
    }

    [Fact]
    public async Task Collections_are_created_implicitly_by_insert_and_listIndexes_of_a_missing_one_is_NamespaceNotFound()
    {
        await using var mongo = await LocalMongoContext.StartAsync();

        var before = await (await mongo.Database.ListCollectionNamesAsync()).ToListAsync();
        await mongo.Collection("destinations").InsertOneAsync(new BsonDocument("_id", "arn:aws:iot:eu-west-1:1:destination/x"));
        var after = await (await mongo.Database.ListCollectionNamesAsync()).ToListAsync();
        var e = await Assert.ThrowsAsync<MongoCommandException>(() => mongo.Database.RunCommandAsync<BsonDocument>(new BsonDocument("listIndexes", "nothing-here")));

        Assert.Empty(before);
        Assert.Equal(["destinations"], after);
        Assert.Equal(26, e.Code);
        Assert.Equal("NamespaceNotFound", e.CodeName);
    }

    [Fact]
    public async Task Dropped_indexes_disappear_and_a_dropped_unique_index_stops_enforcing()
    {
        await using var mongo = await LocalMongoContext.StartAsync();
        var clicks = mongo.Collection("clicks");
        await clicks.Indexes.CreateOneAsync(new CreateIndexModel<BsonDocument>(new BsonDocument("k", 1), new CreateIndexOptions { Unique = true }));
        await clicks.Indexes.CreateOneAsync(new CreateIndexModel<BsonDocument>(new BsonDocument("occurredAt", -1)));
        await clicks.InsertOneAsync(new BsonDocument { { "_id", 1 }, { "k", "same" } });

        await clicks.Indexes.DropOneAsync("k_1");
        await clicks.InsertOneAsync(new BsonDocument { { "_id", 2 }, { "k", "same" } });
        await clicks.Indexes.DropAllAsync();

        Assert.Equal(["_id_"], (await (await clicks.Indexes.ListAsync()).ToListAsync()).Select(i => i["name"].AsString));
        Assert.Equal(2, await clicks.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    [Fact]
    public async Task Real_commands_outside_the_stand_in_answer_NotImplemented_not_CommandNotFound()
    {
        await using var mongo = await LocalMongoContext.StartAsync();
        var clicks = mongo.Collection("clicks");
        await clicks.InsertOneAsync(new BsonDocument("_id", 1));

        var e = await Assert.ThrowsAsync<MongoCommandException>(() =>
            clicks.UpdateOneAsync(new BsonDocument("_id", 1), new BsonDocument("$set", new BsonDocument("x", 1))));

        Assert.Equal(238, e.Code);
        Assert.Equal("NotImplemented", e.CodeName);
    }

    [Fact]
    public async Task Unique_index_over_existing_duplicates_fails_and_is_not_created()
    {
        await using var mongo = await LocalMongoContext.StartAsync();
        var clicks = mongo.Collection("clicks");
        await clicks.InsertManyAsync([new BsonDocument { { "_id", 1 }, { "k", "same" } }, new BsonDocument { { "_id", 2 }, { "k", "same" } }]);

        var e = await Assert.ThrowsAsync<MongoCommandException>(() => clicks.Indexes.CreateOneAsync(
            new CreateIndexModel<BsonDocument>(new BsonDocument("k", 1), new CreateIndexOptions { Unique = true })));

        Assert.Equal(11000, e.Code);
        Assert.Single(await (await clicks.Indexes.ListAsync()).ToListAsync());
    }
}
