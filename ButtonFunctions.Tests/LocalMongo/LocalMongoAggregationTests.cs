using MongoDB.Bson;
using MongoDB.Driver;

namespace ButtonFunctions.Tests.LocalMongo;

/// <summary>The aggregation stages and expressions LocalMongo gained for the click summary, with mongod's results and errors.</summary>
public sealed class LocalMongoAggregationTests : IAsyncLifetime
{
    private static readonly DateTime At = new(2026, 11, 25, 18, 42, 7, 250, DateTimeKind.Utc);

    private LocalMongoContext _mongo = null!;

    private IMongoCollection<BsonDocument> Docs => _mongo.Collection("docs");

    public async Task InitializeAsync()
    {
        _mongo = await LocalMongoContext.StartAsync();
        await Docs.InsertManyAsync(
        [
            new BsonDocument { { "_id", 1 }, { "n", 3 }, { "s", "a" }, { "at", At }, { "type", "SINGLE" }, { "mv", 1700 } },
            new BsonDocument { { "_id", 2 }, { "n", 0 }, { "s", "B" }, { "at", At.AddHours(2) }, { "type", "LONG" } },
            new BsonDocument { { "_id", 3 }, { "n", BsonNull.Value }, { "at", At.AddHours(1) }, { "type", "SINGLE" }, { "mv", 1400 } },
        ]);
    }

    public async Task DisposeAsync() => await _mongo.DisposeAsync();

    private Task<List<BsonDocument>> RunAsync(params string[] stages) =>
        Docs.Aggregate(PipelineDefinition<BsonDocument, BsonDocument>.Create(stages)).ToListAsync();

    /// <summary>Evaluates one expression against the document with _id 1.</summary>
    private async Task<BsonValue?> EvalAsync(string expression)
    {
        var result = (await RunAsync("{ $match: { _id: 1 } }", $"{{ $project: {{ _id: 0, v: {expression} }} }}")).Single();
        return result.GetValue("v", null);
    }

    private async Task<MongoCommandException> RefusedAsync(params string[] stages) =>
        await Assert.ThrowsAsync<MongoCommandException>(() => RunAsync(stages));

    [Theory]
    [InlineData("{ $eq: ['$missing', null] }", false)]
    [InlineData("{ $eq: ['$n', 3.0] }", true)]
    [InlineData("{ $ne: ['$s', 'a'] }", false)]
    [InlineData("{ $gt: ['$n', null] }", true)]
    [InlineData("{ $gt: ['$missing', null] }", false)]
    [InlineData("{ $gt: [null, null] }", false)]
    [InlineData("{ $gte: [null, '$missing'] }", true)]
    [InlineData("{ $lte: ['$missing', 5] }", true)]
    [InlineData("{ $lt: ['$n', 3] }", false)]
    [InlineData("{ $gt: ['$s', 'B'] }", true)]
    [InlineData("{ $lt: ['$at', { $literal: 1 }] }", false)]
    public async Task Comparisons_follow_bson_order_with_missing_below_null(string expression, bool expected)
    {
        Assert.Equal(expected, (await EvalAsync(expression))!.AsBoolean);
    }

    [Fact]
    public async Task Cmp_answers_minus_one_zero_or_one()
    {
        Assert.Equal(1, (await EvalAsync("{ $cmp: ['$s', 'B'] }"))!.AsInt32);
        Assert.Equal(0, (await EvalAsync("{ $cmp: ['$n', 3] }"))!.AsInt32);
        Assert.Equal(-1, (await EvalAsync("{ $cmp: ['$missing', null] }"))!.AsInt32);
    }

    [Theory]
    [InlineData("{ $cond: [0, 't', 'f'] }", "f")]
    [InlineData("{ $cond: ['', 't', 'f'] }", "t")]
    [InlineData("{ $cond: [[], 't', 'f'] }", "t")]
    [InlineData("{ $cond: ['$missing', 't', 'f'] }", "f")]
    [InlineData("{ $cond: { if: { $and: [] }, then: 't', else: 'f' } }", "t")]
    [InlineData("{ $cond: { if: { $or: [] }, then: 't', else: 'f' } }", "f")]
    [InlineData("{ $cond: [{ $not: [null] }, 't', 'f'] }", "t")]
    [InlineData("{ $cond: [{ $and: [1, '$s', { $gt: ['$n', 2] }] }, 't', 'f'] }", "t")]
    [InlineData("{ $cond: [{ $or: [0, null, '$missing'] }, 't', 'f'] }", "f")]
    public async Task Cond_and_boolean_operators_use_aggregation_truthiness(string expression, string expected)
    {
        Assert.Equal(expected, (await EvalAsync(expression))!.AsString);
    }

    [Fact]
    public async Task Cond_without_a_branch_is_missing_the_branch_result()
    {
        Assert.Null(await EvalAsync("{ $cond: [true, '$missing', 1] }"));
    }

    [Theory]
    [InlineData("{ $cond: [true, 1] }", 16020, "Expression $cond takes exactly 3 arguments. 2 were passed in.")]
    [InlineData("{ $cond: { then: 1, else: 2 } }", 17080, "Missing 'if' parameter to $cond")]
    [InlineData("{ $cond: { if: true, then: 1, else: 2, otherwise: 3 } }", 17083, "Unrecognized parameter to $cond: otherwise")]
    [InlineData("{ $eq: [1] }", 16020, "Expression $eq takes exactly 2 arguments. 1 were passed in.")]
    [InlineData("{ $subtract: ['$s', 1] }", 16556, "cant $subtract a int from a string")]
    [InlineData("{ $mod: ['$n', 0] }", 16610, "can't $mod by zero")]
    [InlineData("{ $mod: ['$s', 2] }", 16611, "$mod only supports numeric types, not string and int")]
    [InlineData("{ $toLong: '$s' }", 241, "Failed to parse number 'a' in $convert with no onError value: Did not consume whole string.")]
    public async Task Bad_arguments_fail_with_mongod_codes(string expression, int code, string message)
    {
        var e = await RefusedAsync("{ $match: { _id: 1 } }", $"{{ $project: {{ v: {expression} }} }}");

        Assert.Equal(code, e.Code);
        Assert.Equal(message, e.ErrorMessage);
    }

    [Fact]
    public async Task Subtract_mod_and_toLong_keep_mongod_types()
    {
        Assert.Equal(new BsonInt32(1), await EvalAsync("{ $subtract: ['$n', 2] }"));
        Assert.Equal(new BsonInt64(1), await EvalAsync("{ $subtract: ['$n', { $toLong: 2 }] }"));
        Assert.Equal(new BsonDouble(0.5), await EvalAsync("{ $subtract: ['$n', 2.5] }"));
        Assert.Equal(new BsonDateTime(At.AddSeconds(-1)), await EvalAsync("{ $subtract: ['$at', 1000] }"));
        Assert.Equal(new BsonInt64(-3_600_000), await EvalAsync("{ $subtract: ['$at', { $literal: ISODate('2026-11-25T19:42:07.250Z') }] }"));
        Assert.Equal(BsonNull.Value, await EvalAsync("{ $subtract: ['$missing', 1] }"));
        Assert.Equal(new BsonInt32(-1), await EvalAsync("{ $mod: [-7, 3] }"));
        Assert.Equal(new BsonDouble(1.5), await EvalAsync("{ $mod: [7.5, 2] }"));
        Assert.Equal(new BsonInt64(new DateTimeOffset(At).ToUnixTimeMilliseconds()), await EvalAsync("{ $toLong: '$at' }"));
        Assert.Equal(new BsonInt64(12), await EvalAsync("{ $toLong: '12' }"));
        Assert.Equal(new BsonInt64(2), await EvalAsync("{ $toLong: 2.9 }"));
        Assert.Equal(BsonNull.Value, await EvalAsync("{ $toLong: '$missing' }"));
    }

    [Fact]
    public async Task An_hour_bucket_of_a_date_is_its_milliseconds_rounded_down_to_the_hour()
    {
        var bucket = await EvalAsync("{ $subtract: [{ $toLong: '$at' }, { $mod: [{ $toLong: '$at' }, 3600000] }] }");

        Assert.Equal(new DateTimeOffset(2026, 11, 25, 18, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds(), bucket!.AsInt64);
    }

    [Fact]
    public async Task AddFields_and_set_add_replace_and_remove_fields_without_touching_stored_documents()
    {
        var result = await RunAsync(
            "{ $match: { _id: 1 } }",
            "{ $addFields: { big: { $gt: ['$n', 2] }, s: 'replaced' } }",
            "{ $set: { n: '$missing', copy: '$s' } }");

        Assert.Equal(BsonDocument.Parse("{ _id: 1, s: 'replaced', at: ISODate('2026-11-25T18:42:07.250Z'), type: 'SINGLE', mv: 1700, big: true, copy: 'replaced' }"), result.Single());
        var stored = await Docs.Find(new BsonDocument("_id", 1)).SingleAsync();
        Assert.Equal(3, stored["n"].AsInt32);
        Assert.Equal("a", stored["s"].AsString);
    }

    [Fact]
    public async Task AddFields_refusals_match_mongod()
    {
        Assert.Equal(40177, (await RefusedAsync("{ $addFields: {} }")).Code);
        Assert.Equal(40272, (await RefusedAsync("{ $set: 1 }")).Code);
        Assert.Equal(16410, (await RefusedAsync("{ $addFields: { $x: 1 } }")).Code);
        Assert.Equal(238, (await RefusedAsync("{ $addFields: { 'a.b': 1 } }")).Code);
    }

    [Fact]
    public async Task Facet_runs_every_sub_pipeline_over_the_same_input()
    {
        var result = (await RunAsync(
            "{ $group: { _id: '$type', clicks: { $sum: 1 } } }",
            "{ $facet: { top: [{ $sort: { clicks: -1 } }, { $limit: 1 }], totals: [{ $group: { _id: null, types: { $sum: 1 }, clicks: { $sum: '$clicks' } } }], none: [{ $match: { clicks: 99 } }] } }")).Single();

        Assert.Equal(BsonDocument.Parse("{ _id: 'SINGLE', clicks: 2 }"), result["top"].AsBsonArray.Single());
        Assert.Equal(BsonDocument.Parse("{ _id: null, types: 2, clicks: 3 }"), result["totals"].AsBsonArray.Single());
        Assert.Empty(result["none"].AsBsonArray);
        var empty = (await RunAsync("{ $match: { _id: 42 } }", "{ $facet: { all: [{ $sort: { _id: 1 } }], counted: [{ $count: 'n' }] } }")).Single();
        Assert.Equal(BsonDocument.Parse("{ all: [], counted: [] }"), empty);
    }

    [Fact]
    public async Task Facet_refusals_match_mongod()
    {
        Assert.Equal(40169, (await RefusedAsync("{ $facet: {} }")).Code);
        Assert.Equal(40170, (await RefusedAsync("{ $facet: { a: { $limit: 1 } } }")).Code);
        Assert.Equal(40600, (await RefusedAsync("{ $facet: { a: [{ $facet: { b: [] } }] } }")).Code);
    }

    [Fact]
    public async Task Max_over_documents_compares_field_by_field_and_ignores_nulls()
    {
        var result = (await RunAsync(
            "{ $group: { _id: null, latest: { $max: { $cond: [{ $gt: ['$mv', null] }, { at: '$at', mv: '$mv' }, null] } } } }")).Single();

        Assert.Equal(new BsonDocument { { "at", At.AddHours(1) }, { "mv", 1400 } }, result["latest"]);
    }

    [Fact]
    public async Task Date_operators_the_summary_avoids_still_answer_not_implemented()
    {
        var e = await RefusedAsync("{ $project: { d: { $dateTrunc: { date: '$at', unit: 'hour' } } } }");

        Assert.Equal(238, e.Code);
    }
}
