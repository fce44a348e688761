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
}
