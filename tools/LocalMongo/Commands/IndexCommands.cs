using LocalMongo.Storage;
using MongoDB.Bson;

namespace LocalMongo.Commands;

/// <summary>Index management: the store's start-up index creation, and the index checks of the tests.</summary>
internal sealed class IndexCommands(InMemoryStore store, CursorRegistry cursors) : ICommandFamily
{
    public IReadOnlyCollection<string> Names { get; } = ["createIndexes", "listIndexes", "dropIndexes"];

    public BsonDocument Run(string name, BsonDocument command, CommandScope scope) => name switch
    {
        "createIndexes" => CreateIndexes(command, scope.Database),
        "listIndexes" => ListIndexes(command, scope.Database),
        "dropIndexes" => DropIndexes(command, scope.Database),
        _ => throw new InvalidOperationException(name),
    };

    private BsonDocument CreateIndexes(BsonDocument cmd, string db)
    {
        var name = CommandArguments.CollectionName(cmd, "createIndexes");
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
        var name = CommandArguments.CollectionName(cmd, "listIndexes");
        var collection = store.Find(db, name) ?? throw new CommandException(ErrorCodes.NamespaceNotFound, $"ns does not exist: {db}.{name}");
        List<BsonDocument> specs;
        lock (collection.Sync)
        {
            specs = [.. collection.Indexes.Select(i => i.Spec)];
        }

        return cursors.Open($"{db}.$cmd.listIndexes.{name}", specs, CommandArguments.CursorBatchSize(cmd, required: false), singleBatch: false);
    }

    private BsonDocument DropIndexes(BsonDocument cmd, string db)
    {
        var name = CommandArguments.CollectionName(cmd, "dropIndexes");
        var collection = store.Find(db, name) ?? throw new CommandException(ErrorCodes.NamespaceNotFound, $"ns not found {db}.{name}");
        var which = cmd.GetValue("index", BsonNull.Value);
        lock (collection.Sync)
        {
            var before = collection.IndexCount;
            collection.DropIndexes(which);
            return new BsonDocument { { "nIndexesWas", before }, { "ok", 1.0 } };
        }
    }
}
