using LocalMongo.Query;
using LocalMongo.Storage;
using Microsoft.Extensions.Logging;
using MongoDB.Bson;

namespace LocalMongo.Commands;

/// <summary>
/// Runs one command document and returns mongod's reply, or null when a fail point says to close the
/// connection. Implements exactly the commands ButtonFunctions sends (see README "LocalMongo").
/// </summary>
internal sealed class CommandDispatcher(InMemoryStore store, CursorRegistry cursors, FailCommandPoint failPoint, TimeProvider time, ILogger logger)
{
    public const int MaxBsonObjectSize = 16 * 1024 * 1024;
    public const int MaxMessageSizeBytes = 48_000_000;
    public const int MaxWriteBatchSize = 100_000;

    /// <summary>MongoDB 7.0, the newest server version Cosmos DB for MongoDB offers.</summary>
    public const int MaxWireVersion = 21;

    private long _documentsExamined;

    /// <summary>Documents read by find, aggregate and count so far (see <see cref="LocalMongoServer.DocumentsExamined"/>).</summary>
    public long DocumentsExamined => Interlocked.Read(ref _documentsExamined);

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
            fail = failPoint.Evaluate(name, database, collection?.Value, connection.AppName);
        }

        if (fail is not null)
        {
            LocalMongoLog.FailPointFired(logger, name, connection.Id, fail.ErrorCode, fail.CloseConnection);
            if (fail.CloseConnection)
            {
                return null;
            }

            if (fail.Block is { } block)
            {
                await Task.Delay(block, time, ct).ConfigureAwait(false);
            }

            if (fail.ErrorCode is not null && !(fail.WriteErrorsFrom is not null && name == "insert"))
            {
                return fail.ErrorReply();
            }
        }

        BsonDocument reply;
        try
        {
            reply = name == "insert" && fail is { ErrorCode: { } code, WriteErrorsFrom: { } from }
                ? Insert(command, database, (from, ErrorCodes.Reply(code, fail.Message)))
                : Run(name, command, database, connection, legacyDatabase is not null);
        }
        catch (CommandException e)
        {
            reply = e.ToReply();
        }
        catch (Exception e) when (e is InvalidCastException or FormatException or ArgumentException or OverflowException or InvalidOperationException or KeyNotFoundException)
        {
            // A field of the wrong BSON type that no explicit check caught: a client error, not a server crash.
            LocalMongoLog.CommandRejected(logger, e, name, connection.Id);
            reply = ErrorCodes.Reply(ErrorCodes.TypeMismatch, $"LocalMongo could not process '{name}': {e.Message}");
        }

        if (fail?.WriteConcernError is { } wce && reply.GetValue("ok", 0).ToDouble() == 1.0)
        {
            reply.Add("writeConcernError", wce);
        }

        return reply;
    }

    private BsonDocument Run(string name, BsonDocument cmd, string db, ConnectionContext connection, bool legacy)
    {
        if (legacy && name is not ("isMaster" or "ismaster" or "hello"))
        {
            throw new CommandException(ErrorCodes.UnsupportedOpQueryCommand, $"Unsupported OP_QUERY command: {name}. The client driver may require an upgrade. For more details see https://dochub.mongodb.org/core/legacy-opcode-removal");
        }

        return name switch
        {
            "hello" or "isMaster" or "ismaster" => Hello(cmd, name == "hello", connection),
            "ping" => Ok(),
            "buildInfo" or "buildinfo" => BuildInfo(),
            "endSessions" => Ok(),
            "listDatabases" => ListDatabases(),
            "configureFailPoint" => ConfigureFailPoint(cmd, db),
            "create" => Create(cmd, db),
            "insert" => Insert(cmd, db),
            "find" => Find(cmd, db),
            "getMore" => GetMore(cmd, db),
            "killCursors" => KillCursors(cmd),
            "createIndexes" => CreateIndexes(cmd, db),
            "listIndexes" => ListIndexes(cmd, db),
            "listCollections" => ListCollections(cmd, db),
            "drop" => Drop(cmd, db),
            "dropDatabase" => DropDatabase(db),
            "delete" => Delete(cmd, db),
            "aggregate" => Aggregate(cmd, db),
            "count" => Count(cmd, db),
            "dropIndexes" => DropIndexes(cmd, db),
            _ when RealButUnimplemented.Contains(name) => throw Filter.NotImplemented($"the '{name}' command"),
            _ => throw new CommandException(ErrorCodes.CommandNotFound, $"no such command: '{name}'"),
        };
    }

    private static BsonDocument Ok() => new("ok", 1.0);

    private BsonDocument Hello(BsonDocument cmd, bool isHello, ConnectionContext connection)
    {
        if (cmd.GetValue("client", BsonNull.Value) is BsonDocument client
            && client.GetValue("application", BsonNull.Value) is BsonDocument app
            && app.GetValue("name", BsonNull.Value) is BsonString appName)
        {
            connection.AppName = appName.Value;
        }

        // Deliberately absent (ARCHITECTURE.md §9): topologyVersion (would switch the driver to streaming
        // hello), logicalSessionTimeoutMinutes (would add lsid to every command), setName/hosts (replica set).
        var reply = new BsonDocument();
        if (cmd.GetValue("helloOk", false).ToBoolean())
        {
            reply.Add("helloOk", true);
        }

        reply.Add(isHello ? "isWritablePrimary" : "ismaster", true);
        reply.AddRange(new BsonDocument
        {
            { "maxBsonObjectSize", MaxBsonObjectSize },
            { "maxMessageSizeBytes", MaxMessageSizeBytes },
            { "maxWriteBatchSize", MaxWriteBatchSize },
            { "localTime", new BsonDateTime(time.GetUtcNow().UtcDateTime) },
            { "connectionId", connection.Id },
            { "minWireVersion", 0 },
            { "maxWireVersion", MaxWireVersion },
            { "readOnly", false },
            { "ok", 1.0 },
        });
        return reply;
    }

    private static BsonDocument BuildInfo() => new()
    {
        { "version", "7.0.0" },
        { "gitVersion", "localmongo-in-memory-stand-in" },
        { "versionArray", new BsonArray { 7, 0, 0, 0 } },
        { "bits", 64 },
        { "debug", false },
        { "maxBsonObjectSize", MaxBsonObjectSize },
        { "storageEngines", new BsonArray { "inMemory" } },
        { "javascriptEngine", "none" },
        { "ok", 1.0 },
    };

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

    private BsonDocument ConfigureFailPoint(BsonDocument cmd, string db)
    {
        if (db != "admin")
        {
            throw new CommandException(ErrorCodes.Unauthorized, "configureFailPoint may only be run against the admin database.");
        }

        var point = cmd[0] is BsonString s ? s.Value : string.Empty;
        if (point != "failCommand")
        {
            throw Filter.NotImplemented($"the fail point '{point}' (only 'failCommand' exists here)");
        }

        var reply = failPoint.Configure(cmd);
        var mode = cmd.GetValue("mode", BsonNull.Value);
        LocalMongoLog.FailPointConfigured(logger, mode);
        return reply;
    }

    private BsonDocument Create(BsonDocument cmd, string db)
    {
        var name = CollectionName(cmd, "create");
        if (cmd.GetValue("capped", false).ToBoolean() || cmd.Contains("timeseries") || cmd.Contains("viewOn"))
        {
            throw Filter.NotImplemented("capped, time-series collections and views");
        }

        store.GetOrCreate(db, name, out var created);
        if (!created)
        {
            throw new CommandException(48, $"Collection {db}.{name} already exists.");
        }

        return Ok();
    }

    private BsonDocument Insert(BsonDocument cmd, string db, (int From, BsonDocument Error)? injected = null)
    {
        var name = CollectionName(cmd, "insert");
        if (cmd.GetValue("documents", BsonNull.Value) is not BsonArray documents)
        {
            throw new CommandException(40414, "BSON field 'insert.documents' is missing but a required field");
        }

        if (documents.Count > MaxWriteBatchSize)
        {
            throw new CommandException(ErrorCodes.InvalidLength, $"Write batch sizes must be between 1 and {MaxWriteBatchSize}. Got {documents.Count} operations.");
        }

        var ordered = cmd.GetValue("ordered", true).ToBoolean();
        var writeErrors = new BsonArray();
        var n = 0;
        while (true)
        {
            var collection = store.GetOrCreate(db, name, out _);
            lock (collection.Sync)
            {
                if (collection.Dropped)
                {
                    continue;
                }

                for (var i = 0; i < documents.Count; i++)
                {
                    var error = injected is { } fault && i >= fault.From
                        ? new BsonDocument { { "code", fault.Error["code"] }, { "errmsg", fault.Error["errmsg"] } }
                        : documents[i] is BsonDocument doc
                            ? PrepareId(doc) ?? collection.Insert(doc)
                            : new BsonDocument { { "code", ErrorCodes.TypeMismatch }, { "errmsg", "documents to insert must be objects" } };
                    if (error is null)
                    {
                        n++;
                        continue;
                    }

                    writeErrors.Add(new BsonDocument("index", i).AddRange(error));
                    if (ordered)
                    {
                        break;
                    }
                }
            }

            break;
        }

        var reply = new BsonDocument("n", n);
        if (writeErrors.Count > 0)
        {
            reply.Add("writeErrors", writeErrors);
        }

        reply.Add("ok", 1.0);
        return reply;
    }

    /// <summary>mongod adds a missing _id (an ObjectId, as the first field) and refuses arrays and regexes.</summary>
    private static BsonDocument? PrepareId(BsonDocument doc)
    {
        if (!doc.TryGetValue("_id", out var id))
        {
            doc.InsertAt(0, new BsonElement("_id", ObjectId.GenerateNewId()));
            return null;
        }

        var problem = id.BsonType switch
        {
            BsonType.Array => "The '_id' value cannot be of type array",
            BsonType.RegularExpression => "can't use a regex for _id",
            BsonType.Undefined => "can't use a undefined for _id",
            _ => null,
        };
        return problem is null ? null : new BsonDocument { { "code", ErrorCodes.InvalidIdField }, { "errmsg", problem } };
    }

    private BsonDocument Find(BsonDocument cmd, string db)
    {
        var name = CollectionName(cmd, "find");
        var filter = Filter.Compile(OptionalDocument(cmd, "filter"));
        var sort = SortSpec.Parse(OptionalDocument(cmd, "sort"));

        // hint { $natural: -1 } without a sort makes mongod scan backwards: newest inserted first.
        if (sort is null && cmd.GetValue("hint", BsonNull.Value) is BsonDocument { ElementCount: 1 } hint && hint.GetElement(0).Name == "$natural")
        {
            sort = SortSpec.Parse(hint);
        }

        var projection = Projection.Parse(OptionalDocument(cmd, "projection"));
        var skip = OptionalCount(cmd, "skip");
        var limit = OptionalCount(cmd, "limit");
        var batchSize = OptionalCount(cmd, "batchSize");
        RejectCollation(cmd);

        // Each of these changes which documents come back, or their shape: ignoring one would answer wrongly.
        if (cmd.Contains("min") || cmd.Contains("max") || cmd.GetValue("returnKey", false).ToBoolean()
            || cmd.GetValue("showRecordId", false).ToBoolean() || cmd.GetValue("tailable", false).ToBoolean())
        {
            throw Filter.NotImplemented("find with min, max, returnKey, showRecordId or tailable");
        }

        // Without a hint, a usable index serves the query as mongod's planner would (README, "LocalMongo"); in index
        // order the first skip + limit matches are the answer.
        IEnumerable<BsonDocument> results;
        if ((cmd.Contains("hint") ? null : FromIndex(db, name, OptionalDocument(cmd, "filter"), sort, limit is > 0 ? (skip ?? 0) + limit : null, out _)) is { } indexed)
        {
            results = indexed;
        }
        else
        {
            results = Scan(db, name).Where(filter);
            if (sort is not null)
            {
                results = sort.Apply(results);
            }
        }

        results = results.Skip(skip ?? 0);
        if (limit is > 0)
        {
            results = results.Take(limit.Value);
        }

        if (projection is not null)
        {
            results = results.Select(projection.Apply);
        }

        return cursors.Open(db + "." + name, results, batchSize, cmd.GetValue("singleBatch", false).ToBoolean());
    }

    private BsonDocument GetMore(BsonDocument cmd, string db)
    {
        if (cmd["getMore"] is not BsonInt64 id)
        {
            throw new CommandException(ErrorCodes.TypeMismatch, $"BSON field 'getMore.getMore' is the wrong type '{cmd["getMore"].BsonType}', expected type 'long'");
        }

        if (cmd.GetValue("collection", BsonNull.Value) is not BsonString collection)
        {
            throw new CommandException(40414, "BSON field 'getMore.collection' is missing but a required field");
        }

        return cursors.GetMore(id.Value, db + "." + collection.Value, OptionalCount(cmd, "batchSize"));
    }

    private BsonDocument KillCursors(BsonDocument cmd)
    {
        CollectionName(cmd, "killCursors");
        if (cmd.GetValue("cursors", BsonNull.Value) is not BsonArray ids)
        {
            throw new CommandException(40414, "BSON field 'killCursors.cursors' is missing but a required field");
        }

        var killed = new BsonArray();
        var notFound = new BsonArray();
        foreach (var id in ids)
        {
            (cursors.Kill(id.ToInt64()) ? killed : notFound).Add(id);
        }

        return new BsonDocument
        {
            { "cursorsKilled", killed },
            { "cursorsNotFound", notFound },
            { "cursorsAlive", new BsonArray() },
            { "cursorsUnknown", new BsonArray() },
            { "ok", 1.0 },
        };
    }

    private BsonDocument CreateIndexes(BsonDocument cmd, string db)
    {
        var name = CollectionName(cmd, "createIndexes");
        if (cmd.GetValue("indexes", BsonNull.Value) is not BsonArray { Count: > 0 } indexes)
        {
            throw new CommandException(ErrorCodes.BadValue, "Must specify at least one index to create");
        }

        var specs = indexes.Select(IndexDefinition.Normalize).ToList();
        while (true)
        {
            var collection = store.GetOrCreate(db, name, out var created);
            lock (collection.Sync)
            {
                if (collection.Dropped)
                {
                    continue;
                }

                var before = collection.IndexCount;
                var plan = collection.PlanIndexes(specs);
                var reply = new BsonDocument { { "numIndexesBefore", before } };
                if (plan.Count == 0)
                {
                    reply.Add("numIndexesAfter", before);
                    reply.Add("note", "all indexes already exist");
                }
                else
                {
                    collection.BuildIndexes(plan);
                    reply.Add("numIndexesAfter", collection.IndexCount);
                }

                if (created || plan.Count > 0)
                {
                    reply.Add("createdCollectionAutomatically", created);
                }

                reply.Add("ok", 1.0);
                return reply;
            }
        }
    }

    private BsonDocument ListIndexes(BsonDocument cmd, string db)
    {
        var name = CollectionName(cmd, "listIndexes");
        var collection = store.Find(db, name) ?? throw new CommandException(ErrorCodes.NamespaceNotFound, $"ns does not exist: {db}.{name}");
        List<BsonDocument> specs;
        lock (collection.Sync)
        {
            specs = [.. collection.Indexes.Select(i => i.Spec)];
        }

        return cursors.Open($"{db}.$cmd.listIndexes.{name}", specs, CursorBatchSize(cmd, required: false), singleBatch: false);
    }

    private BsonDocument ListCollections(BsonDocument cmd, string db)
    {
        var filter = Filter.Compile(OptionalDocument(cmd, "filter"));
        var nameOnly = cmd.GetValue("nameOnly", false).ToBoolean();
        var infos = store.Collections(db).Select(c => nameOnly
            ? new BsonDocument { { "name", c.Name }, { "type", "collection" } }
            : new BsonDocument
            {
                { "name", c.Name },
                { "type", "collection" },
                { "options", new BsonDocument() },
                { "info", new BsonDocument { { "readOnly", false }, { "uuid", new BsonBinaryData(c.Uuid, GuidRepresentation.Standard) } } },
                { "idIndex", IndexDefinition.IdIndexSpec() },
            }).Where(filter).ToList();
        return cursors.Open($"{db}.$cmd.listCollections", infos, CursorBatchSize(cmd, required: false), singleBatch: false);
    }

    private BsonDocument Drop(BsonDocument cmd, string db)
    {
        var name = CollectionName(cmd, "drop");

        // Since MongoDB 7.0 dropping a collection that does not exist succeeds.
        var dropped = store.Drop(db, name);
        if (dropped is null)
        {
            return Ok();
        }

        return new BsonDocument { { "nIndexesWas", dropped.IndexCount }, { "ns", dropped.Namespace }, { "ok", 1.0 } };
    }

    private BsonDocument DropIndexes(BsonDocument cmd, string db)
    {
        var name = CollectionName(cmd, "dropIndexes");
        var collection = store.Find(db, name) ?? throw new CommandException(ErrorCodes.NamespaceNotFound, $"ns not found {db}.{name}");
        var which = cmd.GetValue("index", BsonNull.Value);
        lock (collection.Sync)
        {
            var before = collection.IndexCount;
            collection.DropIndexes(which);
            return new BsonDocument { { "nIndexesWas", before }, { "ok", 1.0 } };
        }
    }

    private BsonDocument DropDatabase(string db)
    {
        store.DropDatabase(db);
        return new BsonDocument { { "dropped", db }, { "ok", 1.0 } };
    }

    private BsonDocument Delete(BsonDocument cmd, string db)
    {
        var name = CollectionName(cmd, "delete");
        if (cmd.GetValue("deletes", BsonNull.Value) is not BsonArray deletes)
        {
            throw new CommandException(40414, "BSON field 'delete.deletes' is missing but a required field");
        }

        var ordered = cmd.GetValue("ordered", true).ToBoolean();
        var writeErrors = new BsonArray();
        var n = 0;
        var collection = store.Find(db, name);
        for (var i = 0; i < deletes.Count; i++)
        {
            try
            {
                if (deletes[i] is not BsonDocument statement || statement.GetValue("q", BsonNull.Value) is not BsonDocument q)
                {
                    throw new CommandException(40414, "BSON field 'delete.deletes.q' is missing but a required field");
                }

                var limit = statement.GetValue("limit", BsonNull.Value);
                if (!limit.IsNumeric || limit.ToDouble() is not (0 or 1))
                {
                    throw new CommandException(ErrorCodes.FailedToParse, $"The limit field in delete objects must be 0 or 1. Got {limit}");
                }

                RejectCollation(statement);
                var predicate = Filter.Compile(q);
                if (collection is not null)
                {
                    lock (collection.Sync)
                    {
                        n += collection.Delete(predicate, justOne: limit.ToDouble() == 1);
                    }
                }
            }
            catch (CommandException e)
            {
                writeErrors.Add(new BsonDocument { { "index", i }, { "code", e.Code }, { "errmsg", e.Message } });
                if (ordered)
                {
                    break;
                }
            }
        }

        var reply = new BsonDocument("n", n);
        if (writeErrors.Count > 0)
        {
            reply.Add("writeErrors", writeErrors);
        }

        reply.Add("ok", 1.0);
        return reply;
    }

    private BsonDocument Aggregate(BsonDocument cmd, string db)
    {
        if (cmd["aggregate"] is not BsonString name)
        {
            throw Filter.NotImplemented("database-level aggregate (aggregate: 1)");
        }

        InMemoryStore.ValidateNamespace(db, name.Value);
        if (cmd.GetValue("pipeline", BsonNull.Value) is not BsonArray pipeline)
        {
            throw new CommandException(ErrorCodes.TypeMismatch, "'pipeline' option must be specified as an array");
        }

        if (cmd.GetValue("explain", false).ToBoolean())
        {
            throw Filter.NotImplemented("explain");
        }

        RejectCollation(cmd);
        var batchSize = CursorBatchSize(cmd, required: true);
        Pipeline.Compile(pipeline); // every stage is validated, whatever serves the first ones

        // A leading $match (and $sort) is served by an index when one fits, as mongod pushes them into the query.
        if (!cmd.Contains("hint") && pipeline.Count > 0 && pipeline[0] is BsonDocument first && first.GetElement(0) is { Name: "$match", Value: BsonDocument match })
        {
            var sort = pipeline.Count > 1 && pipeline[1] is BsonDocument second && second.GetElement(0) is { Name: "$sort", Value: BsonDocument sortSpec }
                ? SortSpec.Parse(sortSpec)
                : null;
            if (FromIndex(db, name.Value, match, sort, take: null, out var sorted) is { } source)
            {
                return cursors.Open(db + "." + name.Value, Pipeline.Compile(pipeline, sorted ? 2 : 1)(source), batchSize, singleBatch: false);
            }
        }

        return cursors.Open(db + "." + name.Value, Pipeline.Compile(pipeline)(Scan(db, name.Value)), batchSize, singleBatch: false);
    }

    /// <summary>
    /// The matches of <paramref name="filter"/> read from an index range, or null when no index fits (then the caller
    /// scans). They come in index order when that is the sort asked for (<paramref name="sorted"/>; at most
    /// <paramref name="take"/>), else in natural order and sorted as usual, so the plan never changes an answer.
    /// Planning and reading happen under one lock: the index cannot change in between.
    /// </summary>
    private List<BsonDocument>? FromIndex(string db, string name, BsonDocument? filter, SortSpec? sort, int? take, out bool sorted)
    {
        sorted = false;
        var collection = store.Find(db, name);
        if (collection is null)
        {
            return null;
        }

        IndexScan? scan;
        List<(long Record, BsonDocument Document)> found;
        lock (collection.Sync)
        {
            scan = collection.Dropped ? null : IndexPlanner.Plan(collection.Indexes, filter, sort);
            if (scan is null)
            {
                return null;
            }

            found = Collection.ScanIndex(scan, Filter.Compile(filter), scan.ProvidesSort ? take : null, out var examined);
            Interlocked.Add(ref _documentsExamined, examined);
        }

        if (sort is not null && scan.ProvidesSort)
        {
            sorted = true;
            return [.. found.Select(f => f.Document)];
        }

        var natural = found.OrderBy(f => f.Record).Select(f => f.Document);
        return sort is null ? [.. natural] : sort.Apply(natural);
    }

    private BsonDocument Count(BsonDocument cmd, string db)
    {
        var name = CollectionName(cmd, "count");
        var filter = Filter.Compile(OptionalDocument(cmd, "query"));
        var skip = OptionalCount(cmd, "skip") ?? 0;
        var limit = OptionalCount(cmd, "limit") ?? 0;
        var n = Scan(db, name).Where(filter).Skip(skip).Count();
        if (limit > 0)
        {
            n = Math.Min(n, limit);
        }

        return new BsonDocument { { "n", n }, { "ok", 1.0 } };
    }

    /// <summary>A snapshot of the collection's documents in natural order (empty when it does not exist).</summary>
    private List<BsonDocument> Scan(string db, string name)
    {
        var collection = store.Find(db, name);
        if (collection is null)
        {
            return [];
        }

        lock (collection.Sync)
        {
            Interlocked.Add(ref _documentsExamined, collection.Count);
            return collection.Snapshot();
        }
    }

    private static string CollectionName(BsonDocument cmd, string command)
    {
        if (cmd[command] is not BsonString { Value: var name })
        {
            throw new CommandException(ErrorCodes.InvalidNamespace, $"collection name has invalid type {cmd[command].BsonType.ToString().ToLowerInvariant()}");
        }

        return name;
    }

    private static BsonDocument? OptionalDocument(BsonDocument cmd, string field) =>
        cmd.GetValue(field, BsonNull.Value) switch
        {
            BsonNull => null,
            BsonDocument d => d,
            var other => throw new CommandException(ErrorCodes.TypeMismatch, $"BSON field '{field}' is the wrong type '{other.BsonType}', expected type 'object'"),
        };

    private static int? OptionalCount(BsonDocument cmd, string field)
    {
        var value = cmd.GetValue(field, BsonNull.Value);
        if (value.IsBsonNull)
        {
            return null;
        }

        if (!value.IsNumeric)
        {
            throw new CommandException(ErrorCodes.TypeMismatch, $"BSON field '{field}' is the wrong type '{value.BsonType}', expected types '[long, int, decimal, double']");
        }

        var number = value.ToDouble();
        if (number < 0)
        {
            throw new CommandException(ErrorCodes.NonNegativeRequired, $"BSON field '{field}' value must be >= 0, actual value '{value}'");
        }

        return number > int.MaxValue ? int.MaxValue : (int)number;
    }

    private static int? CursorBatchSize(BsonDocument cmd, bool required)
    {
        var cursor = cmd.GetValue("cursor", BsonNull.Value);
        if (cursor is BsonDocument options)
        {
            return OptionalCount(options, "batchSize");
        }

        if (required)
        {
            throw new CommandException(ErrorCodes.FailedToParse, "The 'cursor' option is required, except for aggregate with the explain argument");
        }

        return null;
    }

    private static void RejectCollation(BsonDocument cmd)
    {
        if (cmd.GetValue("collation", BsonNull.Value) is BsonDocument collation
            && collation.GetValue("locale", "simple").ToString() != "simple")
        {
            throw Filter.NotImplemented("collations other than 'simple'");
        }
    }
}
