using ButtonFunctions.Tests.Support;
using MongoDB.Bson;
using MongoDB.Driver;

namespace ButtonFunctions.Tests.LocalMongo;

/// <summary>
/// failCommand's <c>mode: {activationProbability: p}</c> (mongod's "random" mode), which the reliability suite uses to
/// throttle or drop a share of inserts under sustained load. Parsed and answered as mongod does.
/// </summary>
[Trait("Category", "Unit")]
public sealed class LocalMongoActivationProbabilityTests
{
    private static BsonDocument Throttle() => new()
    {
        { "failCommands", new BsonArray { "insert" } },
        { "errorCode", 16500 },
    };

    [Fact]
    public async Task Probability_one_fires_on_every_matching_command_and_zero_on_none()
    {
        await using var mongo = await LocalMongoContext.StartAsync();
        var clicks = mongo.Collection("clicks");

        await FailPoints.ConfigureAsync(mongo.Client, new BsonDocument("activationProbability", 1), Throttle());
        for (var i = 0; i < 20; i++)
        {
            var e = await Assert.ThrowsAsync<MongoCommandException>(() => clicks.InsertOneAsync(new BsonDocument("_id", i)));
            Assert.Equal(16500, e.Code);
        }

        var count = await clicks.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty); // not in failCommands
        var firedAtOne = await FailPoints.ConfigureAsync(mongo.Client, new BsonDocument("activationProbability", 0.0), Throttle());
        for (var i = 0; i < 20; i++)
        {
            await clicks.InsertOneAsync(new BsonDocument("_id", i));
        }

        var firedAtZero = await FailPoints.OffAsync(mongo.Client);

        Assert.Equal(0, count);
        Assert.Equal(20, firedAtOne["count"].ToInt64());
        Assert.Equal(0, firedAtZero["count"].ToInt64());
        Assert.Equal(20, await clicks.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    [Fact]
    public async Task A_half_probability_fails_some_inserts_and_counts_exactly_the_ones_it_failed()
    {
        await using var mongo = await LocalMongoContext.StartAsync();
        var clicks = mongo.Collection("clicks");
        await FailPoints.ConfigureAsync(mongo.Client, new BsonDocument("activationProbability", 0.5), Throttle());

        const int Inserts = 400;
        var failed = 0;
        for (var i = 0; i < Inserts; i++)
        {
            try
            {
                await clicks.InsertOneAsync(new BsonDocument("_id", i));
            }
            catch (MongoCommandException e) when (e.Code == 16500)
            {
                failed++;
            }
        }

        var off = await FailPoints.OffAsync(mongo.Client);

        // Binomial(400, 0.5): mean 200, standard deviation 10; 100..300 is ten deviations either side.
        Assert.InRange(failed, 100, 300);
        Assert.Equal(failed, off["count"].ToInt64());
        Assert.Equal(Inserts - failed, await clicks.CountDocumentsAsync(FilterDefinition<BsonDocument>.Empty));
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    public async Task A_probability_outside_zero_to_one_is_BadValue(double probability)
    {
        await using var mongo = await LocalMongoContext.StartAsync();

        var e = await Assert.ThrowsAsync<MongoCommandException>(() =>
            FailPoints.ConfigureAsync(mongo.Client, new BsonDocument("activationProbability", probability), Throttle()));

        Assert.Equal("BadValue", e.CodeName);
        Assert.Contains("between 0.0 and 1.0", e.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_probability_that_is_not_a_number_is_TypeMismatch()
    {
        await using var mongo = await LocalMongoContext.StartAsync();

        var e = await Assert.ThrowsAsync<MongoCommandException>(() =>
            FailPoints.ConfigureAsync(mongo.Client, new BsonDocument("activationProbability", "often"), Throttle()));

        Assert.Equal("TypeMismatch", e.CodeName);
    }
}
