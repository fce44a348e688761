using LocalMongo.Commands;
using LocalMongo.Query;
using MongoDB.Bson;

namespace LocalMongo.Storage;

/// <summary>
/// The documents of one collection in insertion ("natural") order, with its indexes. Every member
/// expects the caller to hold <see cref="Sync"/>; stored documents are never mutated after insert.
/// </summary>
internal sealed class Collection(string database, string name)
{
    private readonly SortedDictionary<long, BsonDocument> _records = [];
    private readonly List<IndexDefinition> _indexes = [new(IndexDefinition.IdIndexSpec(), isIdIndex: true)];
    private long _nextRecord;

    public object Sync { get; } = new();

    public string Database { get; } = database;

    public string Name { get; } = name;

    public string Namespace => Database + "." + Name;

    public Guid Uuid { get; } = Guid.NewGuid();

    /// <summary>Set under <see cref="Sync"/> when the collection is dropped; writers then look it up again.</summary>
    public bool Dropped { get; set; }

    public int Count => _records.Count;

    public int IndexCount => _indexes.Count;

    public IReadOnlyList<IndexDefinition> Indexes => _indexes;

    public List<BsonDocument> Snapshot() => [.. _records.Values];

    /// <summary>Inserts one document (with _id already set) or returns the write error mongod would report.</summary>
    public BsonDocument? Insert(BsonDocument doc)
    {
        var keys = new List<BsonValue>[_indexes.Count];
        for (var i = 0; i < _indexes.Count; i++)
        {
            var index = _indexes[i];
            if (!index.Unique)
            {
                continue;
            }

            try
            {
                keys[i] = index.KeysOf(doc);
            }
            catch (CommandException e)
            {
                return new BsonDocument { { "code", e.Code }, { "errmsg", e.Message } };
            }

            if (index.TryFindDuplicate(keys[i], exceptRecord: -1, out var duplicate))
            {
                var (message, keyPattern, keyValue) = index.DuplicateKeyError(Namespace, duplicate);
                return new BsonDocument
                {
                    { "code", ErrorCodes.DuplicateKey },
                    { "keyPattern", keyPattern },
                    { "keyValue", keyValue },
                    { "errmsg", message },
                };
            }
        }

        var record = _nextRecord++;
        _records.Add(record, doc);
        for (var i = 0; i < _indexes.Count; i++)
        {
            if (keys[i] is { } k)
            {
                _indexes[i].AddEntries(k, record);
                _indexes[i].Order.Add(k, record, doc);
            }
            else
            {
                AddToOrder(_indexes[i], doc, record);
            }
        }

        return null;
    }

    /// <summary>Documents in <paramref name="scan"/>'s key range that match <paramref name="filter"/>, in index order (at most <paramref name="take"/>).</summary>
    public static List<(long Record, BsonDocument Document)> ScanIndex(IndexScan scan, Func<BsonDocument, bool> filter, int? take, out int examined)
    {
        var found = new List<(long, BsonDocument)>();
        examined = 0;
        foreach (var (record, doc) in scan.Index.Order.Between(scan.Low, scan.High, scan.Reverse))
        {
            examined++;
            if (filter(doc))
            {
                found.Add((record, doc));
                if (found.Count == take)
                {
                    break;
                }
            }
        }

        return found;
    }

    // Keys a non-unique index cannot compute (parallel arrays) are not refused here, as before; the order is dropped instead.
    private static void AddToOrder(IndexDefinition index, BsonDocument doc, long record)
    {
        if (!index.Order.Usable)
        {
            return;
        }

        try
        {
            index.Order.Add(index.KeysOf(doc), record, doc);
        }
        catch (CommandException)
        {
            index.Order.Disable();
        }
    }

    public int Delete(Func<BsonDocument, bool> predicate, bool justOne)
    {
        var doomed = new List<long>();
        foreach (var (record, doc) in _records)
        {
            if (predicate(doc))
            {
                doomed.Add(record);
                if (justOne)
                {
                    break;
                }
            }
        }

        foreach (var record in doomed)
        {
            var doc = _records[record];
            foreach (var index in _indexes)
            {
                if (index.Unique)
                {
                    var keys = index.KeysOf(doc);
                    index.RemoveEntries(keys);
                    index.Order.Remove(keys, record);
                }
                else if (index.Order.Usable)
                {
                    index.Order.Remove(index.KeysOf(doc), record);
                }
            }

            _records.Remove(record);
        }

        return doomed.Count;
    }

    /// <summary>
    /// createIndexes with mongod's rules: an identical index is a no-op; the same name with another key
    /// is IndexKeySpecsConflict (86); the same name and key with other options, or the same key under
    /// another name, is IndexOptionsConflict (85); a unique index over duplicate values fails with 11000.
    /// </summary>
    public List<IndexDefinition> PlanIndexes(IEnumerable<BsonDocument> requested)
    {
        var toCreate = new List<IndexDefinition>();
        foreach (var spec in requested)
        {
            var existing = _indexes.Concat(toCreate).ToList();
            var sameName = existing.Find(i => i.Name == spec["name"].AsString);
            if (sameName is not null)
            {
                if (!sameName.Key.Equals(spec["key"].AsBsonDocument))
                {
                    throw new CommandException(ErrorCodes.IndexKeySpecsConflict,
                        $"An existing index has the same name as the requested index. When index names are not specified, they are auto generated and can cause conflicts. Please refer to our documentation. Requested index: {IndexDefinition.Shell(spec)}, existing index: {IndexDefinition.Shell(sameName.Spec)}");
                }

                if (!sameName.IsIdIndex && !sameName.HasSameOptions(spec))
                {
                    throw new CommandException(ErrorCodes.IndexOptionsConflict,
                        $"An equivalent index already exists with the same name but different options. Requested index: {IndexDefinition.Shell(spec)}, existing index: {IndexDefinition.Shell(sameName.Spec)}");
                }

                continue;
            }

            var sameKey = existing.Find(i => i.Key.Equals(spec["key"].AsBsonDocument));
            if (sameKey is not null)
            {
                throw new CommandException(ErrorCodes.IndexOptionsConflict,
                    $"An equivalent index already exists with a different name and options. Requested index: {IndexDefinition.Shell(spec)}, existing index: {IndexDefinition.Shell(sameKey.Spec)}");
            }

            toCreate.Add(new IndexDefinition(spec));
        }

        return toCreate;
    }

    /// <summary>dropIndexes: "*" drops all but _id; otherwise a name, a key pattern, or a list of names.</summary>
    public void DropIndexes(BsonValue which)
    {
        List<IndexDefinition> doomed = which switch
        {
            BsonString { Value: "*" } => [.. _indexes.Where(i => !i.IsIdIndex)],
            BsonString name => [Named(name.Value)],
            BsonDocument key => [_indexes.Find(i => i.Key.Equals(key))
                ?? throw new CommandException(27, $"can't find index with key: {IndexDefinition.Shell(key)}")],
            BsonArray names => [.. names.Select(n => Named(n.AsString))],
            _ => throw new CommandException(ErrorCodes.TypeMismatch, "'index' must be a string, a document or an array of strings"),
        };
        if (doomed.Exists(i => i.IsIdIndex))
        {
            throw new CommandException(72, "cannot drop _id index");
        }

        _indexes.RemoveAll(doomed.Contains);

        IndexDefinition Named(string name) =>
            _indexes.Find(i => i.Name == name) ?? throw new CommandException(27, $"index not found with name [{name}]");
    }

    /// <summary>Builds planned indexes over the existing documents; all or nothing.</summary>
    public void BuildIndexes(List<IndexDefinition> indexes)
    {
        foreach (var index in indexes.Where(i => i.Unique))
        {
            foreach (var (record, doc) in _records)
            {
                var keys = index.KeysOf(doc);
                if (index.TryFindDuplicate(keys, record, out var duplicate))
                {
                    throw new CommandException(ErrorCodes.DuplicateKey, "Index build failed: " + index.DuplicateKeyError(Namespace, duplicate).Message);
                }

                index.AddEntries(keys, record);
            }
        }

        foreach (var index in indexes)
        {
            foreach (var (record, doc) in _records)
            {
                AddToOrder(index, doc, record);
            }
        }

        _indexes.AddRange(indexes);
    }
}
