using MongoDB.Bson;
using MongoDB.Driver;

namespace ButtonFunctions.Tests.Support;

/// <summary>
/// MongoDB's <c>failCommand</c> fail point, driven exactly as against a mongod started with
/// <c>--setParameter enableTestCommands=1</c> (LocalMongo implements the same command). The one helper for it.
/// </summary>
public static class FailPoints
{
    /// <summary>Runs <c>configureFailPoint</c> with any mode (<c>"alwaysOn"</c>, <c>{times: n}</c>, <c>{skip: n}</c>, <c>"off"</c>).</summary>
    public static Task<BsonDocument> ConfigureAsync(IMongoClient client, BsonValue mode, BsonDocument? data = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        var command = new BsonDocument { { "configureFailPoint", "failCommand" }, { "mode", mode } };
        if (data is not null)
        {
            command.Add("data", data);
        }

        return client.GetDatabase("admin").RunCommandAsync<BsonDocument>(command);
    }

    /// <summary>Makes the next <paramref name="times"/> <paramref name="command"/>s (of <paramref name="appName"/>'s client, when given) fail as <paramref name="data"/> says.</summary>
    public static Task<BsonDocument> FailNextAsync(IMongoClient client, string command, int times, BsonDocument data, string? appName = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        data["failCommands"] = new BsonArray { command };
        if (appName is not null)
        {
            data["appName"] = appName;
        }

        return ConfigureAsync(client, new BsonDocument("times", times), data);
    }

    public static Task<BsonDocument> OffAsync(IMongoClient client) => ConfigureAsync(client, "off");

    /// <summary>
    /// Whether the server has the failCommand fail point, found by turning it off (harmless where it exists). A mongod
    /// without <c>enableTestCommands</c> answers <c>no such command: 'configureFailPoint'</c> (59, CommandNotFound);
    /// Cosmos DB and managed services refuse it in their own ways: any command error means "no fail points".
    /// Returns null when they exist, else the reason to show for the tests that need them.
    /// </summary>
    public static async Task<string?> MissingReasonAsync(IMongoClient client)
    {
        try
        {
            await OffAsync(client);
            return null;
        }
        catch (MongoCommandException ex)
        {
            return $"the server has no failCommand fail point: configureFailPoint was answered {ex.CodeName} ({ex.Code}) " +
                "(a real mongod needs --setParameter enableTestCommands=1; Cosmos DB has none)";
        }
    }
}
