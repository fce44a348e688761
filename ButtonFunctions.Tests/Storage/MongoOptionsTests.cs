using ButtonFunctions.Storage;

namespace ButtonFunctions.Tests.Storage;

[Trait("Category", "Unit")]
public sealed class MongoOptionsTests
{
    private static List<string> Failures(MongoOptions options) =>
        new MongoOptionsValidator().Validate(null, options).Failures?.ToList() ?? [];

    [Fact]
    public void A_missing_connection_string_fails_naming_the_key()
    {
        var failure = Assert.Single(Failures(new MongoOptions()));

        Assert.StartsWith("Mongo:ConnectionString is required", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void A_malformed_connection_string_fails_without_echoing_it()
    {
        var failure = Assert.Single(Failures(new MongoOptions { ConnectionString = "postgres://user:s3cret@host" }));

        Assert.StartsWith("Mongo:ConnectionString is not a valid", failure, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "", "Mongo:Database is required.")]
    [InlineData("my.db", "clicks", "Mongo:Database is not a valid MongoDB name")]
    [InlineData("buttons", " ", "Mongo:Collection is required.")]
    [InlineData("buttons", "$clicks", "Mongo:Collection is not a valid MongoDB name")]
    public void Database_and_collection_names_are_checked_naming_the_key(string database, string collection, string expected)
    {
        var failures = Failures(new MongoOptions { ConnectionString = "mongodb://127.0.0.1:1", Database = database, Collection = collection });

        Assert.Contains(failures, f => f.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void A_cosmos_connection_string_with_defaults_is_valid()
    {
        var options = new MongoOptions
        {
            ConnectionString = "mongodb://acct:a2V5@acct.mongo.cosmos.azure.com:10255/?ssl=true&replicaSet=globaldb&retrywrites=false&maxIdleTimeMS=120000&appName=@acct@",
        };

        Assert.Empty(Failures(options));
        var settings = StorageServiceCollectionExtensions.CreateClientSettings(options);
        Assert.Equal(options.ServerSelectionTimeout, settings.ServerSelectionTimeout);
        Assert.Equal(options.SocketTimeout, settings.SocketTimeout);
        Assert.False(settings.RetryWrites);
        Assert.Equal("@acct@", settings.ApplicationName);
    }

    [Fact]
    public void A_retry_budget_beyond_what_aws_waits_for_is_refused()
    {
        var failures = Failures(new MongoOptions { ConnectionString = "mongodb://127.0.0.1:1", RetryBudget = TimeSpan.FromMinutes(1) });

        Assert.Contains(failures, f => f.StartsWith("Mongo:RetryBudget", StringComparison.Ordinal));
    }
}
