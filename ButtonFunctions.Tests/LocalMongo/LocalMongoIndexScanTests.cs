using MongoDB.Bson;
using MongoDB.Driver;

namespace ButtonFunctions.Tests.LocalMongo;

/// <summary>
/// LocalMongo's index range scans: a query answers exactly as a full scan would (the same documents in the same
/// order), while reading only the index range when an index fits.
/// </summary>
public sealed class LocalMongoIndexScanTests : IAsyncLifetime
{
    private static readonly DateTime T0 = new(2026, 11, 25, 0, 0, 0, DateTimeKind.Utc);

    private LocalMongoContext _mongo = null!;

    private IMongoCollection<BsonDocument> Indexed => _mongo.Collection("indexed");

    private IMongoCollection<BsonDocument> Plain => _mongo.Collection("plain");

    public async Task InitializeAsync()
    {
        _mongo = await LocalMongoContext.StartAsync();
        await Indexed.Indexes.CreateManyAsync(
        [
            new CreateIndexModel<BsonDocument>(BsonDocument.Parse("{ occurredAt: 1, _id: 1 }")),
            new CreateIndexModel<BsonDocument>(BsonDocument.Parse("{ deviceId: 1, occurredAt: 1, _id: 1 }")),
            new CreateIndexModel<BsonDocument>(BsonDocument.Parse("{ n: -1 }")),
        ]);

        // Ties in time, other types and missing values in the indexed fields, numbers of several widths.
        var docs = Enumerable.Range(0, 300).Select(i =>
        {
            var doc = new BsonDocument { { "_id", $"c{(i * 37) % 300:D3}" }, { "deviceId", $"dev-{i % 7}" }, { "n", i % 3 == 0 ? new BsonInt64(i % 11) : new BsonDouble(i % 11) } };
            BsonValue at = (i % 50) switch
            {
                0 => BsonNull.Value,
                1 => new BsonString("not a date"),
                2 => new BsonInt32(i),
                _ => new BsonDateTime(T0.AddMinutes(i / 3)),
            };
            if (i % 50 != 3)
            {
                doc.Add("occurredAt", at);
            }

            return doc;
        }).ToList();
        await Indexed.InsertManyAsync(docs.Select(d => d.DeepClone().AsBsonDocument));
        await Plain.InsertManyAsync(docs.Select(d => d.DeepClone().AsBsonDocument));
        await Indexed.DeleteManyAsync(new BsonDocument("_id", new BsonDocument("$in", new BsonArray { "c010", "c020" })));
        await Plain.DeleteManyAsync(new BsonDocument("_id", new BsonDocument("$in", new BsonArray { "c010", "c020" })));
    }

    public async Task DisposeAsync() => await _mongo.DisposeAsync();

    private static DateTime Min(int minutes) => T0.AddMinutes(minutes);

    public static TheoryData<string, string, int, int> Finds => new()
    {
        { "{}", "{ occurredAt: -1, _id: -1 }", 0, 25 },
        { "{}", "{ occurredAt: 1, _id: 1 }", 5, 10 },
        { "{ occurredAt: { $gte: ISODate('2026-11-25T00:20:00Z'), $lt: ISODate('2026-11-25T01:00:00Z') } }", "{ occurredAt: -1, _id: -1 }", 0, 0 },
        { "{ occurredAt: { $lte: ISODate('2026-11-25T00:30:00Z') }, $or: [{ occurredAt: { $lt: ISODate('2026-11-25T00:30:00Z') } }, { _id: { $lt: 'c150' } }] }", "{ occurredAt: -1, _id: -1 }", 0, 7 },
        { "{ occurredAt: { $gt: ISODate('2026-11-25T01:00:00Z') } }", "{}", 0, 0 },
        { "{ occurredAt: { $gte: ISODate('2026-11-25T00:10:00Z'), $lt: ISODate('2026-11-25T01:30:00Z'), $lte: ISODate('2026-11-25T00:50:00Z'), $gt: ISODate('2026-11-25T00:20:00Z') } }", "{ occurredAt: -1, _id: -1 }", 0, 0 },
        { "{ occurredAt: { $lt: ISODate('2026-11-25T00:10:00Z') } }", "{ _id: 1 }", 0, 0 },
        { "{ deviceId: 'dev-3' }", "{ occurredAt: -1, _id: -1 }", 0, 9 },
        { "{ deviceId: 'dev-3' }", "{ deviceId: -1, occurredAt: -1, _id: -1 }", 2, 9 },
        { "{ deviceId: 'dev-3', occurredAt: { $gte: ISODate('2026-11-25T00:30:00Z') } }", "{ occurredAt: 1, _id: 1 }", 0, 0 },
        { "{ deviceId: { $eq: 'dev-5' }, n: { $gte: 4 } }", "{ occurredAt: -1 }", 0, 0 },
        { "{ n: 3 }", "{}", 0, 0 },
        { "{ n: { $gte: 2, $lt: 5 } }", "{ n: 1 }", 0, 12 },
        { "{ occurredAt: { $gte: 0 } }", "{ occurredAt: 1 }", 0, 0 },
        { "{ occurredAt: { $gte: 'a' } }", "{}", 0, 0 },
        { "{ occurredAt: null }", "{ _id: 1 }", 0, 0 },
        { "{ occurredAt: { $gte: ISODate('2026-11-25T00:10:00Z'), $lt: 5 } }", "{}", 0, 0 },
    };

    [Theory]
    [MemberData(nameof(Finds))]
    public async Task A_find_answers_exactly_as_a_full_scan(string filter, string sort, int skip, int limit)
    {
        FindOptions<BsonDocument> Options() => new() { Sort = BsonDocument.Parse(sort), Skip = skip, Limit = limit == 0 ? null : limit };

        var indexed = await (await Indexed.FindAsync(BsonDocument.Parse(filter), Options())).ToListAsync();
        var plain = await (await Plain.FindAsync(BsonDocument.Parse(filter), Options())).ToListAsync();

        Assert.Equal(plain.Select(d => d["_id"].AsString), indexed.Select(d => d["_id"].AsString));
    }

    /// <summary>Pipelines, one stage per line.</summary>
    public static TheoryData<string> Pipelines => new()
    {
        """
        { $match: { occurredAt: { $gte: ISODate('2026-11-25T00:10:00Z'), $lt: ISODate('2026-11-25T01:10:00Z') } } }
        { $sort: { occurredAt: 1, _id: 1 } }
        { $group: { _id: '$deviceId', first: { $first: '$_id' }, n: { $sum: 1 } } }
        { $sort: { _id: 1 } }
        """,
        """
        { $match: { deviceId: 'dev-2' } }
        { $sort: { occurredAt: -1, _id: -1 } }
        { $limit: 4 }
        """,
        """
        { $match: { deviceId: 'dev-2' } }
        { $project: { _id: 1 } }
        """,
        """
        { $match: { n: { $lte: 3 } } }
        { $sort: { _id: -1 } }
        { $limit: 5 }
        """,
    };

    [Theory]
    [MemberData(nameof(Pipelines))]
    public async Task A_pipeline_with_a_leading_match_answers_exactly_as_a_full_scan(string pipeline)
    {
        var stages = PipelineDefinition<BsonDocument, BsonDocument>.Create(pipeline.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

        var indexed = await Indexed.Aggregate(stages).ToListAsync();
        var plain = await Plain.Aggregate(stages).ToListAsync();

        Assert.NotEmpty(plain);
        Assert.Equal(plain, indexed);
    }

    [Fact]
    public async Task An_index_that_fits_reads_only_its_range()
    {
        var page = await Examined(() => Indexed.Find(FilterDefinition<BsonDocument>.Empty).Sort(BsonDocument.Parse("{ occurredAt: -1, _id: -1 }")).Limit(5).ToListAsync());
        var device = await Examined(() => Indexed.Find(new BsonDocument("deviceId", "dev-3")).Sort(BsonDocument.Parse("{ occurredAt: -1, _id: -1 }")).Limit(100).ToListAsync());
        var range = await Examined(() => Indexed.Aggregate(PipelineDefinition<BsonDocument, BsonDocument>.Create(
            "{ $match: { occurredAt: { $gte: ISODate('2026-11-25T00:30:00Z'), $lt: ISODate('2026-11-25T00:40:00Z') } } }",
            "{ $sort: { occurredAt: 1, _id: 1 } }",
            "{ $count: 'n' }")).SingleAsync());
        var scan = await Examined(() => Plain.Find(FilterDefinition<BsonDocument>.Empty).Sort(BsonDocument.Parse("{ occurredAt: -1, _id: -1 }")).Limit(5).ToListAsync());
        var tightest = await Examined(() => Indexed.Find(BsonDocument.Parse(
            "{ occurredAt: { $gte: ISODate('2026-11-25T00:00:00Z'), $lt: ISODate('2026-11-25T01:30:00Z'), $lte: ISODate('2026-11-25T00:30:00Z') } }"))
            .Sort(BsonDocument.Parse("{ occurredAt: -1, _id: -1 }")).Limit(3).ToListAsync());

        Assert.Equal(5, page.Examined);
        Assert.Equal(device.Result.Count, device.Examined);
        Assert.Equal(range.Result["n"].AsInt32, range.Examined);
        Assert.Equal(26, range.Examined); // 30 clicks in those 10 minutes, 4 of them without a date
        Assert.Equal(298, scan.Examined);
        Assert.Equal(3, tightest.Examined); // the cursor-like $lte, not the wider $lt, is where the backward scan starts
        Assert.Equal(Min(30), tightest.Result[0]["occurredAt"].ToUniversalTime());
    }

    [Fact]
    public async Task An_array_in_an_indexed_field_makes_queries_scan_and_still_answer_right()
    {
        await Indexed.InsertOneAsync(new BsonDocument { { "_id", "multi" }, { "deviceId", new BsonArray { "dev-3", "dev-4" } }, { "occurredAt", Min(1) } });
        await Plain.InsertOneAsync(new BsonDocument { { "_id", "multi" }, { "deviceId", new BsonArray { "dev-3", "dev-4" } }, { "occurredAt", Min(1) } });

        var (indexed, examined) = await Examined(() => Indexed.Find(new BsonDocument("deviceId", "dev-4")).Sort(BsonDocument.Parse("{ occurredAt: -1, _id: -1 }")).ToListAsync());
        var plain = await Plain.Find(new BsonDocument("deviceId", "dev-4")).Sort(BsonDocument.Parse("{ occurredAt: -1, _id: -1 }")).ToListAsync();

        Assert.Equal(plain.Select(d => d["_id"]), indexed.Select(d => d["_id"]));
        Assert.Contains(indexed, d => d["_id"] == "multi");
        Assert.Equal(299, examined); // the compound device index gave up; nothing else fits this filter
        var (_, byTime) = await Examined(() => Indexed.Find(FilterDefinition<BsonDocument>.Empty).Sort(BsonDocument.Parse("{ occurredAt: -1, _id: -1 }")).Limit(3).ToListAsync());
        Assert.Equal(3, byTime); // the time index has no array in it and still serves
    }

    [Fact]
    public async Task A_dropped_index_no_longer_serves_and_a_hint_scans()
    {
        var (_, hinted) = await Examined(() => Indexed.Find(FilterDefinition<BsonDocument>.Empty, new FindOptions { Hint = new BsonDocument("$natural", 1) }).Sort(BsonDocument.Parse("{ occurredAt: -1, _id: -1 }")).Limit(5).ToListAsync());
        await Indexed.Indexes.DropOneAsync("occurredAt_1__id_1");
        var (after, examined) = await Examined(() => Indexed.Find(FilterDefinition<BsonDocument>.Empty).Sort(BsonDocument.Parse("{ occurredAt: -1, _id: -1 }")).Limit(5).ToListAsync());

        Assert.Equal(298, hinted);
        Assert.Equal(298, examined);
        Assert.Equal(5, after.Count);
    }

    private async Task<(T Result, long Examined)> Examined<T>(Func<Task<T>> query)
    {
        var before = _mongo.Server.DocumentsExamined;
        var result = await query();
        return (result, _mongo.Server.DocumentsExamined - before);
    }
}
