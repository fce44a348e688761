using Microsoft.Extensions.Options;
using MongoDB.Driver;

namespace ButtonFunctions.Storage;

/// <summary>Where and how clicks are stored (configuration section <c>Mongo</c>).</summary>
public sealed class MongoOptions
{
    public const string SectionName = "Mongo";

    /// <summary>MongoDB / Cosmos DB for MongoDB connection string (a secret: never logged).</summary>
    public string ConnectionString { get; set; } = string.Empty;

    public string Database { get; set; } = "buttons";

    public string Collection { get; set; } = "clicks";

    /// <summary>Where destination confirmation attempts are recorded.</summary>
    public string DestinationsCollection { get; set; } = "destinations";

    /// <summary>How long to look for a reachable server; short, so a dead store answers 503 well within AWS's ~4 s.</summary>
    public TimeSpan ServerSelectionTimeout { get; set; } = TimeSpan.FromMilliseconds(1_500);

    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromMilliseconds(1_500);

    public TimeSpan SocketTimeout { get; set; } = TimeSpan.FromMilliseconds(2_500);

    /// <summary>Total time one request may spend storing, retries included, before it answers 429/503.</summary>
    public TimeSpan RetryBudget { get; set; } = TimeSpan.FromMilliseconds(2_500);

    /// <summary>
    /// Whether the app creates the click indexes at start-up. Off where the deployment declares them (the Bicep does)
    /// and key holders may not change metadata (Cosmos DB's disableKeyBasedMetadataWriteAccess refuses createIndexes).
    /// </summary>
    public bool CreateIndexes { get; set; } = true;
}

/// <summary>Start-up validation of <see cref="MongoOptions"/>; every message names the configuration key.</summary>
internal sealed class MongoOptionsValidator : IValidateOptions<MongoOptions>
{
    public ValidateOptionsResult Validate(string? name, MongoOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            failures.Add("Mongo:ConnectionString is required (app setting Mongo__ConnectionString): the MongoDB / Cosmos DB for MongoDB connection string.");
        }
        else
        {
            try
            {
                _ = MongoUrl.Create(options.ConnectionString);
            }
            catch (MongoConfigurationException)
            {
                // The value itself is a secret: say what is wrong, never echo it.
                failures.Add("Mongo:ConnectionString is not a valid MongoDB connection string (expected mongodb:// or mongodb+srv://).");
            }
        }

        CheckName(failures, "Mongo:Database", options.Database, "/\\. \"$\0");
        CheckName(failures, "Mongo:Collection", options.Collection, "$\0");
        CheckName(failures, "Mongo:DestinationsCollection", options.DestinationsCollection, "$\0");
        CheckDuration(failures, "Mongo:ServerSelectionTimeout", options.ServerSelectionTimeout);
        CheckDuration(failures, "Mongo:ConnectTimeout", options.ConnectTimeout);
        CheckDuration(failures, "Mongo:SocketTimeout", options.SocketTimeout);
        CheckDuration(failures, "Mongo:RetryBudget", options.RetryBudget);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void CheckName(List<string> failures, string key, string value, string forbidden)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            failures.Add($"{key} is required.");
        }
        else if (value.AsSpan().IndexOfAny(forbidden) >= 0 || value.Length > 63 || value.StartsWith("system.", StringComparison.Ordinal))
        {
            failures.Add($"{key} is not a valid MongoDB name (at most 63 characters, none of the reserved characters, not system.*).");
        }
    }

    private static void CheckDuration(List<string> failures, string key, TimeSpan value)
    {
        if (value <= TimeSpan.Zero || value > TimeSpan.FromSeconds(30))
        {
            failures.Add($"{key} must be a duration between 00:00:00.001 and 00:00:30.");
        }
    }
}
