using LocalMongo.Query;
using LocalMongo.Storage;
using MongoDB.Bson;

namespace LocalMongo.Commands;

/// <summary>Creating, listing and dropping collections and databases (the store creates collections implicitly; tests clean up).</summary>
internal sealed class CollectionCommands(InMemoryStore store, CursorRegistry cursors) : ICommandFamily
{
    public IReadOnlyCollection<string> Names { get; } = ["create", "listCollections", "drop", "dropDatabase"];

    public BsonDocument Run(string name, BsonDocument command, CommandScope scope) => name switch
    {
        "create" => Create(command, scope.Database),
        "listCollections" => ListCollections(command, scope.Database),
        "drop" => Drop(command, scope.Database),
        "dropDatabase" => DropDatabase(scope.Database),
        _ => throw new InvalidOperationException(name),
    };

    private BsonDocument Create(BsonDocument cmd, string db)
    {
        var name = CommandArguments.CollectionName(cmd, "create");
        if (cmd.GetValue("capped", false).ToBoolean() || cmd.Contains("timeseries") || cmd.Contains("viewOn"))
        {
            throw Filter.NotImplemented("capped, time-series collections and views");
        }

        store.GetOrCreate(db, name, out var created);
        if (!created)
        {
            throw new CommandException(48, $"Collection {db}.{name} already exists.");
        }

        return CommandArguments.Ok();
    }

    private BsonDocument ListCollections(BsonDocument cmd, string db)
    {
        var filter = Filter.Compile(CommandArguments.OptionalDocument(cmd, "filter"));
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
        return cursors.Open($"{db}.$cmd.listCollections", infos, CommandArguments.CursorBatchSize(cmd, required: false), singleBatch: false);
    }

    private BsonDocument Drop(BsonDocument cmd, string db)
    {
        var name = CommandArguments.CollectionName(cmd, "drop");

        // Since MongoDB 7.0 dropping a collection that does not exist succeeds.
        var dropped = store.Drop(db, name);
        if (dropped is null)
        {
            return CommandArguments.Ok();
        }

        return new BsonDocument { { "nIndexesWas", dropped.IndexCount }, { "ns", dropped.Namespace }, { "ok", 1.0 } };
    }

    private BsonDocument DropDatabase(string db)
    {
        store.DropDatabase(db);
        return new BsonDocument { { "dropped", db }, { "ok", 1.0 } };
    }
}
