using LocalMongo.Storage;
using MongoDB.Bson;

namespace LocalMongo.Commands;

/// <summary>Handshake and server-level commands: what MongoDB.Driver sends when it connects and monitors a server.</summary>
internal sealed class ServerCommands(InMemoryStore store, LocalMongoServerOptions options) : ICommandFamily
{
    public IReadOnlyCollection<string> Names { get; } = ["hello", "isMaster", "ismaster", "ping", "buildInfo", "buildinfo", "endSessions", "listDatabases"];

    public BsonDocument Run(string name, BsonDocument command, CommandScope scope) => name switch
    {
        "hello" or "isMaster" or "ismaster" => Hello(command, name == "hello", scope.Connection),
        "ping" or "endSessions" => CommandArguments.Ok(),
        "buildInfo" or "buildinfo" => BuildInfo(),
        "listDatabases" => ListDatabases(),
        _ => throw new InvalidOperationException(name),
    };

    private BsonDocument Hello(BsonDocument cmd, bool isHello, ConnectionContext connection)
    {
        if (cmd.GetValue("client", BsonNull.Value) is BsonDocument client
            && client.GetValue("application", BsonNull.Value) is BsonDocument app
            && app.GetValue("name", BsonNull.Value) is BsonString appName)
        {
            connection.AppName = appName.Value;
        }

        // Deliberately absent (docs/architecture.md, "MongoDB.Driver on the wire"): topologyVersion (would switch the driver to streaming
        // hello), logicalSessionTimeoutMinutes (would add lsid to every command), setName/hosts (replica set).
        var reply = new BsonDocument();
        if (cmd.GetValue("helloOk", false).ToBoolean())
        {
            reply.Add("helloOk", true);
        }

        reply.Add(isHello ? "isWritablePrimary" : "ismaster", true);
        reply.AddRange(new BsonDocument
        {
            { "maxBsonObjectSize", CommandDispatcher.MaxBsonObjectSize },
            { "maxMessageSizeBytes", CommandDispatcher.MaxMessageSizeBytes },
            { "maxWriteBatchSize", CommandDispatcher.MaxWriteBatchSize },
            { "localTime", new BsonDateTime(options.Time.GetUtcNow().UtcDateTime) },
            { "connectionId", connection.Id },
            { "minWireVersion", 0 },
            { "maxWireVersion", options.MaxWireVersion },
            { "readOnly", false },
            { "ok", 1.0 },
        });
        return reply;
    }

    private BsonDocument BuildInfo()
    {
        var version = LocalMongoServerOptions.ServerVersionFor(options.MaxWireVersion);
        var parts = version.Split('.').Select(p => int.Parse(p, System.Globalization.CultureInfo.InvariantCulture));
        return new BsonDocument
        {
            { "version", version },
            { "gitVersion", "localmongo-in-memory-stand-in" },
            { "versionArray", new BsonArray(parts.Append(0)) },
            { "bits", 64 },
            { "debug", false },
            { "maxBsonObjectSize", CommandDispatcher.MaxBsonObjectSize },
            { "storageEngines", new BsonArray { "inMemory" } },
            { "javascriptEngine", "none" },
            { "ok", 1.0 },
        };
    }

    private BsonDocument ListDatabases()
    {
        var names = store.DatabaseNames();
        return new BsonDocument
        {
            { "databases", new BsonArray(names.Select(n => new BsonDocument { { "name", n }, { "sizeOnDisk", 0L }, { "empty", false } })) },
            { "totalSize", 0L },
            { "totalSizeMb", 0L },
            { "ok", 1.0 },
        };
    }
}
