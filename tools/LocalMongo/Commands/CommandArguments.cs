using LocalMongo.Query;
using LocalMongo.Storage;
using MongoDB.Bson;

namespace LocalMongo.Commands;

/// <summary>How the command families read their arguments, with mongod's error codes and messages for bad ones.</summary>
internal static class CommandArguments
{
    public static BsonDocument Ok() => new("ok", 1.0);

    /// <summary>A snapshot of the collection's documents in natural order (empty when it does not exist).</summary>
    public static List<BsonDocument> Scan(InMemoryStore store, string db, string name)
    {
        var collection = store.Find(db, name);
        if (collection is null)
        {
            return [];
        }

        lock (collection.Sync)
        {
            return collection.Snapshot();
        }
    }

    public static string CollectionName(BsonDocument cmd, string command)
    {
        if (cmd[command] is not BsonString { Value: var name })
        {
            throw new CommandException(ErrorCodes.InvalidNamespace, $"collection name has invalid type {cmd[command].BsonType.ToString().ToLowerInvariant()}");
        }

        return name;
    }

    public static BsonDocument? OptionalDocument(BsonDocument cmd, string field) =>
        cmd.GetValue(field, BsonNull.Value) switch
        {
            BsonNull => null,
            BsonDocument d => d,
            var other => throw new CommandException(ErrorCodes.TypeMismatch, $"BSON field '{field}' is the wrong type '{other.BsonType}', expected type 'object'"),
        };

    public static int? OptionalCount(BsonDocument cmd, string field)
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

    public static int? CursorBatchSize(BsonDocument cmd, bool required)
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

    public static void RejectCollation(BsonDocument cmd)
    {
        if (cmd.GetValue("collation", BsonNull.Value) is BsonDocument collation
            && collation.GetValue("locale", "simple").ToString() != "simple")
        {
            throw Filter.NotImplemented("collations other than 'simple'");
        }
    }
}
