using LocalMongo.Query;
using LocalMongo.Storage;
using MongoDB.Bson;

namespace LocalMongo.Commands;

/// <summary>Reads: find with its cursor commands, count and aggregate, over a snapshot of the collection (every query is a full scan).</summary>
internal sealed class QueryCommands(InMemoryStore store, CursorRegistry cursors) : ICommandFamily
{
    public IReadOnlyCollection<string> Names { get; } = ["find", "getMore", "killCursors", "aggregate", "count"];

    public BsonDocument Run(string name, BsonDocument command, CommandScope scope) => name switch
    {
        "find" => Find(command, scope.Database),
        "getMore" => GetMore(command, scope.Database),
        "killCursors" => KillCursors(command),
        "aggregate" => Aggregate(command, scope.Database),
        "count" => Count(command, scope.Database),
        _ => throw new InvalidOperationException(name),
    };

    private BsonDocument Find(BsonDocument cmd, string db)
    {
        var name = CommandArguments.CollectionName(cmd, "find");
        var filter = Filter.Compile(CommandArguments.OptionalDocument(cmd, "filter"));
        var sort = SortSpec.Parse(CommandArguments.OptionalDocument(cmd, "sort"));

        // hint { $natural: -1 } without a sort makes mongod scan backwards: newest inserted first.
        if (sort is null && cmd.GetValue("hint", BsonNull.Value) is BsonDocument { ElementCount: 1 } hint && hint.GetElement(0).Name == "$natural")
        {
            sort = SortSpec.Parse(hint);
        }

        var projection = Projection.Parse(CommandArguments.OptionalDocument(cmd, "projection"));
        var skip = CommandArguments.OptionalCount(cmd, "skip");
        var limit = CommandArguments.OptionalCount(cmd, "limit");
        var batchSize = CommandArguments.OptionalCount(cmd, "batchSize");
        CommandArguments.RejectCollation(cmd);

        // Each of these changes which documents come back, or their shape: ignoring one would answer wrongly.
        if (cmd.Contains("min") || cmd.Contains("max") || cmd.GetValue("returnKey", false).ToBoolean()
            || cmd.GetValue("showRecordId", false).ToBoolean() || cmd.GetValue("tailable", false).ToBoolean())
        {
            throw Filter.NotImplemented("find with min, max, returnKey, showRecordId or tailable");
        }

        var results = CommandArguments.Scan(store, db, name).Where(filter);
        if (sort is not null)
        {
            results = sort.Apply(results);
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

        return cursors.GetMore(id.Value, db + "." + collection.Value, CommandArguments.OptionalCount(cmd, "batchSize"));
    }

    private BsonDocument KillCursors(BsonDocument cmd)
    {
        CommandArguments.CollectionName(cmd, "killCursors");
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

        CommandArguments.RejectCollation(cmd);
        var batchSize = CommandArguments.CursorBatchSize(cmd, required: true);
        var run = Pipeline.Compile(pipeline);
        return cursors.Open(db + "." + name.Value, run(CommandArguments.Scan(store, db, name.Value)), batchSize, singleBatch: false);
    }

    private BsonDocument Count(BsonDocument cmd, string db)
    {
        var name = CommandArguments.CollectionName(cmd, "count");
        var filter = Filter.Compile(CommandArguments.OptionalDocument(cmd, "query"));
        var skip = CommandArguments.OptionalCount(cmd, "skip") ?? 0;
        var limit = CommandArguments.OptionalCount(cmd, "limit") ?? 0;
        var n = CommandArguments.Scan(store, db, name).Where(filter).Skip(skip).Count();
        if (limit > 0)
        {
            n = Math.Min(n, limit);
        }

        return new BsonDocument { { "n", n }, { "ok", 1.0 } };
    }
}
