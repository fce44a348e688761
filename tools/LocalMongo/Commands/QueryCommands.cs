using LocalMongo.Query;
using LocalMongo.Storage;
using MongoDB.Bson;

namespace LocalMongo.Commands;

/// <summary>
/// Reads: find with its cursor commands, count and aggregate. A find, or an aggregate starting with $match (and
/// $sort), is served from an index range when one fits (<see cref="IndexPlanner"/>); everything else scans a snapshot
/// of the collection.
/// </summary>
internal sealed class QueryCommands(InMemoryStore store, CursorRegistry cursors) : ICommandFamily
{
    private long _documentsExamined;

    public IReadOnlyCollection<string> Names { get; } = ["find", "getMore", "killCursors", "aggregate", "count"];

    /// <summary>Documents read so far: a full scan counts the whole collection, an index scan its key range.</summary>
    public long DocumentsExamined => Interlocked.Read(ref _documentsExamined);

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

        // Without a hint, a usable index serves the query as mongod's planner would; in index order the first
        // skip + limit matches are the answer.
        IEnumerable<BsonDocument> results;
        if ((cmd.Contains("hint") ? null : FromIndex(db, name, CommandArguments.OptionalDocument(cmd, "filter"), sort, limit is > 0 ? (skip ?? 0) + limit : null, out _)) is { } indexed)
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

    /// <summary>A snapshot of the whole collection, counted as read.</summary>
    private List<BsonDocument> Scan(string db, string name)
    {
        var documents = CommandArguments.Scan(store, db, name);
        Interlocked.Add(ref _documentsExamined, documents.Count);
        return documents;
    }

    private BsonDocument Count(BsonDocument cmd, string db)
    {
        var name = CommandArguments.CollectionName(cmd, "count");
        var filter = Filter.Compile(CommandArguments.OptionalDocument(cmd, "query"));
        var skip = CommandArguments.OptionalCount(cmd, "skip") ?? 0;
        var limit = CommandArguments.OptionalCount(cmd, "limit") ?? 0;
        var n = Scan(db, name).Where(filter).Skip(skip).Count();
        if (limit > 0)
        {
            n = Math.Min(n, limit);
        }

        return new BsonDocument { { "n", n }, { "ok", 1.0 } };
    }
}
