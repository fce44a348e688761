using LocalMongo.Query;
using LocalMongo.Storage;
using Microsoft.Extensions.Logging;
using MongoDB.Bson;

namespace LocalMongo.Commands;

/// <summary>
/// Runs one command document and returns mongod's reply, or null when a fail point says to close the connection.
/// It finds the command's database, lets the <c>failCommand</c> fail point act first, and hands the command to the
/// family that implements it (<see cref="ICommandFamily"/>): what ButtonFunctions' store sends (the handshake, inserts,
/// finds, aggregations, index creation) and what its tests and the stand-in's own tests use on top (deletes, drops,
/// listings, counts, fail points). Real mongod commands outside that answer NotImplemented (238), unknown names
/// CommandNotFound (59), as mongod does — so nothing is silently half-supported.
/// </summary>
internal sealed class CommandDispatcher
{
    public const int MaxBsonObjectSize = 16 * 1024 * 1024;
    public const int MaxMessageSizeBytes = 48_000_000;
    public const int MaxWriteBatchSize = 100_000;

    // Real mongod commands this stand-in does not implement: answered NotImplemented (238) so nobody
    // mistakes them for typos, where an unknown name gets mongod's CommandNotFound (59).
    private static readonly HashSet<string> RealButUnimplemented = new(StringComparer.Ordinal)
    {
        "update", "findAndModify", "findandmodify", "distinct", "bulkWrite", "mapReduce", "collMod", "renameCollection",
        "saslStart", "saslContinue", "authenticate", "logout", "startSession", "refreshSessions", "killSessions",
        "commitTransaction", "abortTransaction", "serverStatus", "dbStats", "collStats", "explain", "validate",
        "currentOp", "killOp", "getParameter", "setParameter", "replSetGetStatus", "getLog", "hostInfo",
        "connectionStatus", "whatsmyuri", "getCmdLineOpts", "createUser", "dropUser", "usersInfo",
        "listSearchIndexes", "createSearchIndexes", "shardCollection", "getLastError",
    };

    private readonly Dictionary<string, ICommandFamily> _families = new(StringComparer.Ordinal);
    private readonly QueryCommands _queries;
    private readonly FailCommandPoint _failPoint;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public CommandDispatcher(InMemoryStore store, CursorRegistry cursors, FailCommandPoint failPoint, LocalMongoServerOptions options, ILogger logger)
    {
        _failPoint = failPoint;
        _time = options.Time;
        _logger = logger;
        _queries = new QueryCommands(store, cursors);
        List<ICommandFamily> families =
        [
            new ServerCommands(store, options),
            new CollectionCommands(store, cursors),
            new IndexCommands(store, cursors),
            new WriteCommands(store),
            _queries,
        ];

        // Without fail points the command is simply not registered, so it gets mongod's own answer for a server
        // started without enableTestCommands: no such command (59, CommandNotFound).
        if (options.FailPoints)
        {
            families.Add(new FailPointCommands(failPoint, logger));
        }

        foreach (var family in families)
        {
            foreach (var name in family.Names)
            {
                _families.Add(name, family);
            }
        }
    }

    /// <summary>Documents read by find, aggregate and count so far (see <see cref="LocalMongoServer.DocumentsExamined"/>).</summary>
    public long DocumentsExamined => _queries.DocumentsExamined;

    public async ValueTask<BsonDocument?> ExecuteAsync(BsonDocument command, string? legacyDatabase, ConnectionContext connection, CancellationToken ct)
    {
        if (command.ElementCount == 0)
        {
            return ErrorCodes.Reply(ErrorCodes.FailedToParse, "Empty command object");
        }

        var name = command.GetElement(0).Name;
        string database;
        if (legacyDatabase is not null)
        {
            database = legacyDatabase;
        }
        else if (command.TryGetValue("$db", out var db) && db.IsString)
        {
            database = db.AsString;
        }
        else
        {
            return ErrorCodes.Reply(ErrorCodes.OpMsgMissingDb, "OP_MSG requests require a $db argument");
        }

        FailAction? fail = null;
        if (name != "configureFailPoint")
        {
            // getMore's first field is the cursor id; its namespace (what data.namespace matches in mongod) is 'collection'.
            var collection = name == "getMore"
                ? command.GetValue("collection", BsonNull.Value) as BsonString
                : command[0] as BsonString;
            fail = _failPoint.Evaluate(name, database, collection?.Value, connection.AppName);
        }

        if (fail is not null)
        {
            LocalMongoLog.FailPointFired(_logger, name, connection.Id, fail.ErrorCode, fail.CloseConnection);
            if (fail.CloseConnection)
            {
                return null;
            }

            if (fail.Block is { } block)
            {
                await Task.Delay(block, _time, ct).ConfigureAwait(false);
            }

            if (fail.ErrorCode is not null && !(fail.WriteErrorsFrom is not null && name == "insert"))
            {
                return fail.ErrorReply();
            }
        }

        BsonDocument reply;
        try
        {
            reply = Run(name, command, new CommandScope(database, connection, fail), legacyDatabase is not null);
        }
        catch (CommandException e)
        {
            reply = e.ToReply();
        }
        catch (Exception e) when (e is InvalidCastException or FormatException or ArgumentException or OverflowException or InvalidOperationException or KeyNotFoundException)
        {
            // A field of the wrong BSON type that no explicit check caught: a client error, not a server crash.
            LocalMongoLog.CommandRejected(_logger, e, name, connection.Id);
            reply = ErrorCodes.Reply(ErrorCodes.TypeMismatch, $"LocalMongo could not process '{name}': {e.Message}");
        }

        if (fail?.WriteConcernError is { } wce && reply.GetValue("ok", 0).ToDouble() == 1.0)
        {
            reply.Add("writeConcernError", wce);
        }

        return reply;
    }

    private BsonDocument Run(string name, BsonDocument command, CommandScope scope, bool legacy)
    {
        if (legacy && name is not ("isMaster" or "ismaster" or "hello"))
        {
            throw new CommandException(ErrorCodes.UnsupportedOpQueryCommand, $"Unsupported OP_QUERY command: {name}. The client driver may require an upgrade. For more details see https://dochub.mongodb.org/core/legacy-opcode-removal");
        }

        if (_families.TryGetValue(name, out var family))
        {
            return family.Run(name, command, scope);
        }

        throw RealButUnimplemented.Contains(name)
            ? Filter.NotImplemented($"the '{name}' command")
            : new CommandException(ErrorCodes.CommandNotFound, $"no such command: '{name}'");
    }
}

/// <summary>A family of related commands (e.g. writes, index management) behind the dispatcher.</summary>
internal interface ICommandFamily
{
    /// <summary>The command names (first field of the command document) this family runs.</summary>
    IReadOnlyCollection<string> Names { get; }

    BsonDocument Run(string name, BsonDocument command, CommandScope scope);
}

/// <summary>Where a command runs: its database, its connection, and the fail point action that fired for it, if any.</summary>
internal sealed record CommandScope(string Database, ConnectionContext Connection, FailAction? Fail);
