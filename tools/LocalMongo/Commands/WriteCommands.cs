using LocalMongo.Query;
using LocalMongo.Storage;
using MongoDB.Bson;

namespace LocalMongo.Commands;

/// <summary>Writes: the store's unordered bulk inserts (with unique-key and fail-point write errors) and the tests' deletes.</summary>
internal sealed class WriteCommands(InMemoryStore store) : ICommandFamily
{
    public IReadOnlyCollection<string> Names { get; } = ["insert", "delete"];

    public BsonDocument Run(string name, BsonDocument command, CommandScope scope) => name switch
    {
        "insert" => Insert(command, scope.Database, scope.Fail is { ErrorCode: { } code, WriteErrorsFrom: { } from } fail
            ? (from, ErrorCodes.Reply(code, fail.Message))
            : null),
        "delete" => Delete(command, scope.Database),
        _ => throw new InvalidOperationException(name),
    };

    private BsonDocument Insert(BsonDocument cmd, string db, (int From, BsonDocument Error)? injected)
    {
        var name = CommandArguments.CollectionName(cmd, "insert");
        if (cmd.GetValue("documents", BsonNull.Value) is not BsonArray documents)
        {
            throw new CommandException(40414, "BSON field 'insert.documents' is missing but a required field");
        }

        if (documents.Count > CommandDispatcher.MaxWriteBatchSize)
        {
            throw new CommandException(ErrorCodes.InvalidLength, $"Write batch sizes must be between 1 and {CommandDispatcher.MaxWriteBatchSize}. Got {documents.Count} operations.");
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

    private BsonDocument Delete(BsonDocument cmd, string db)
    {
        var name = CommandArguments.CollectionName(cmd, "delete");
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

                CommandArguments.RejectCollation(statement);
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
}
