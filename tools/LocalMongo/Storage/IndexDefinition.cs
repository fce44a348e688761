using System.Globalization;
using System.Text;
using LocalMongo.Commands;
using LocalMongo.Query;
using MongoDB.Bson;

namespace LocalMongo.Storage;

/// <summary>
/// One index of a collection. Unique indexes (and _id) keep a key → record map to enforce uniqueness; every index
/// also keeps its keys in order (<see cref="Order"/>) so that queries can scan a key range as mongod does.
/// </summary>
internal sealed class IndexDefinition
{
    // Fields of a spec that do not make two indexes different (mongod ignores them when comparing).
    private static readonly HashSet<string> NonOptions = new(StringComparer.Ordinal) { "v", "key", "name", "ns", "background" };

    private readonly (string Name, string[] Path)[] _fields;
    private readonly Dictionary<BsonValue, long>? _entries;

    // A partial index holds only the documents matching its filter; the rest are outside it, as with sparse.
    private readonly Func<BsonDocument, bool>? _partial;

    public IndexDefinition(BsonDocument spec, bool isIdIndex = false)
    {
        Spec = spec;
        Name = spec["name"].AsString;
        Key = spec["key"].AsBsonDocument;
        IsIdIndex = isIdIndex;
        Unique = isIdIndex || spec.TryGetValue("unique", out var u) && u.ToBoolean();
        _fields = Key.Select(e => (e.Name, FieldPath.Split(e.Name))).ToArray();
        _entries = Unique ? new Dictionary<BsonValue, long>(BsonOrder.Instance) : null;
        _partial = spec.GetValue("partialFilterExpression", BsonNull.Value) is BsonDocument filter ? Filter.Compile(filter) : null;
        var sparse = spec.TryGetValue("sparse", out var s) && s.ToBoolean();
        Order = new OrderedKeys(Key.Select(e => BsonOrder.ToDouble(e.Value) < 0 ? -1 : 1).ToArray(), usable: _partial is null && !sparse);
    }

    /// <summary>The index's keys in index order, for range scans.</summary>
    public OrderedKeys Order { get; }

    /// <summary>The indexed field paths, in key order.</summary>
    public IEnumerable<string> FieldNames => _fields.Select(f => f.Name);

    public BsonDocument Spec { get; }

    public string Name { get; }

    public BsonDocument Key { get; }

    public bool Unique { get; }

    public bool IsIdIndex { get; }

    public static BsonDocument IdIndexSpec() => new() { { "v", 2 }, { "key", new BsonDocument("_id", 1) }, { "name", "_id_" } };

    /// <summary>Validates a createIndexes entry and returns the spec as listIndexes will show it.</summary>
    public static BsonDocument Normalize(BsonValue requested)
    {
        if (requested is not BsonDocument spec)
        {
            throw new CommandException(ErrorCodes.TypeMismatch, "Each index specification must be an object");
        }

        if (!spec.TryGetValue("key", out var key) || key is not BsonDocument { ElementCount: > 0 } keyDoc)
        {
            throw new CommandException(ErrorCodes.FailedToParse, $"Error in specification {Shell(spec)} :: caused by :: The 'key' field is a required property of an index specification");
        }

        if (!spec.TryGetValue("name", out var name) || name is not BsonString { Value.Length: > 0 })
        {
            throw new CommandException(ErrorCodes.FailedToParse, $"Error in specification {Shell(spec)} :: caused by :: The 'name' field is a required property of an index specification");
        }

        foreach (var field in keyDoc)
        {
            if (field.Value is BsonString)
            {
                throw Filter.NotImplemented($"{field.Value} indexes");
            }

            if (!BsonOrder.IsNumber(field.Value) || BsonOrder.ToDouble(field.Value) == 0)
            {
                throw new CommandException(67, $"Error in specification {Shell(spec)} :: caused by :: Values in the index key pattern can't be 0 or negative zero or non-numeric");
            }
        }

        // Keys are compared as BSON (byte-wise strings): a collated index would silently enforce something else.
        if (spec.GetValue("collation", BsonNull.Value) is BsonDocument collation && collation.GetValue("locale", "simple").ToString() != "simple")
        {
            throw Filter.NotImplemented("indexes with a collation other than 'simple'");
        }

        // mongod's validateIndexSpecTTL: the value first (a TTL that can never be right), then the key.
        if (spec.GetValue("expireAfterSeconds", BsonNull.Value) is var ttl && BsonOrder.IsNumber(ttl))
        {
            var seconds = BsonOrder.ToDouble(ttl);
            var problem = double.IsNaN(seconds) ? "must not be NaN" : seconds < 0 ? "cannot be less than 0" : null;
            if (problem is not null)
            {
                throw new CommandException(67, $". Index spec: {Shell(spec)} :: caused by :: TTL index 'expireAfterSeconds' option {problem}");
            }
        }

        // An expireAfterSeconds on a compound key would never expire anything.
        if (spec.Contains("expireAfterSeconds") && keyDoc.ElementCount != 1)
        {
            throw new CommandException(67, $"TTL indexes are single-field indexes, compound indexes do not support TTL. Index spec: {Shell(spec)}");
        }

        var normalized = new BsonDocument { { "v", 2 }, { "key", keyDoc }, { "name", name } };
        foreach (var option in spec)
        {
            if (!NonOptions.Contains(option.Name) && !(option.Name is "unique" or "sparse" && !option.Value.ToBoolean()))
            {
                normalized.Add(option);
            }
        }

        return normalized;
    }

    /// <summary>Same options (unique, sparse, expireAfterSeconds, ...) regardless of their order.</summary>
    public bool HasSameOptions(BsonDocument spec)
    {
        var mine = Spec.Where(e => !NonOptions.Contains(e.Name)).ToDictionary(e => e.Name, e => e.Value, StringComparer.Ordinal);
        var theirs = spec.Where(e => !NonOptions.Contains(e.Name)).ToList();
        return mine.Count == theirs.Count && theirs.TrueForAll(e => mine.TryGetValue(e.Name, out var v) && BsonOrder.Instance.Equals(v, e.Value));
    }

    /// <summary>The key entries a document produces (several when an indexed field holds an array).</summary>
    public List<BsonValue> KeysOf(BsonDocument doc)
    {
        if (IsIdIndex)
        {
            return [new BsonArray { doc["_id"] }];
        }

        if (_partial is not null && !_partial(doc))
        {
            return [];
        }

        var perField = new List<List<BsonValue>>(_fields.Length);
        var multiKeyField = -1;
        var anyPresent = false;
        for (var i = 0; i < _fields.Length; i++)
        {
            var values = new List<BsonValue>();
            foreach (var v in FieldPath.Resolve(doc, _fields[i].Path))
            {
                switch (v)
                {
                    case null:
                        values.Add(BsonNull.Value);
                        continue;
                    case BsonArray { Count: 0 }:
                        values.Add(BsonUndefined.Value);
                        break;
                    case BsonArray a:
                        values.AddRange(a);
                        break;
                    default:
                        values.Add(v);
                        break;
                }

                anyPresent = true;
            }

            values = values.Distinct(BsonOrder.Instance).ToList();
            if (values.Count > 1)
            {
                if (multiKeyField >= 0)
                {
                    throw new CommandException(ErrorCodes.CannotIndexParallelArrays, $"cannot index parallel arrays [{_fields[i].Name}] [{_fields[multiKeyField].Name}]");
                }

                multiKeyField = i;
            }

            perField.Add(values);
        }

        // A sparse index leaves out documents that have none of its fields.
        if (!anyPresent && Spec.TryGetValue("sparse", out var sparse) && sparse.ToBoolean())
        {
            return [];
        }

        var keys = new List<BsonValue>();
        var count = multiKeyField < 0 ? 1 : perField[multiKeyField].Count;
        for (var k = 0; k < count; k++)
        {
            keys.Add(new BsonArray(perField.Select((values, i) => i == multiKeyField ? values[k] : values[0])));
        }

        return keys;
    }

    public bool TryFindDuplicate(List<BsonValue> keys, long exceptRecord, out BsonValue duplicate)
    {
        foreach (var key in keys)
        {
            if (_entries!.TryGetValue(key, out var owner) && owner != exceptRecord)
            {
                duplicate = key;
                return true;
            }
        }

        duplicate = BsonNull.Value;
        return false;
    }

    public void AddEntries(List<BsonValue> keys, long record)
    {
        foreach (var key in keys)
        {
            _entries![key] = record;
        }
    }

    public void RemoveEntries(List<BsonValue> keys)
    {
        foreach (var key in keys)
        {
            _entries!.Remove(key);
        }
    }

    /// <summary>mongod's duplicate key error: message, keyPattern and keyValue.</summary>
    public (string Message, BsonDocument KeyPattern, BsonDocument KeyValue) DuplicateKeyError(string ns, BsonValue key)
    {
        var keyValue = new BsonDocument();
        var values = key.AsBsonArray;
        for (var i = 0; i < _fields.Length; i++)
        {
            keyValue.Add(_fields[i].Name, values[i]);
        }

        return ($"E11000 duplicate key error collection: {ns} index: {Name} dup key: {Shell(keyValue)}", Key, keyValue);
    }

    /// <summary>Renders a document the way mongod writes it in messages: <c>{ _id: "x", n: 1 }</c>.</summary>
    public static string Shell(BsonValue value)
    {
        var sb = new StringBuilder();
        Write(sb, value);
        return sb.ToString();

        static void Write(StringBuilder sb, BsonValue v)
        {
            switch (v)
            {
                case BsonDocument d:
                    if (d.ElementCount == 0)
                    {
                        sb.Append("{}");
                        return;
                    }

                    sb.Append("{ ");
                    var first = true;
                    foreach (var e in d)
                    {
                        sb.Append(first ? string.Empty : ", ").Append(e.Name).Append(": ");
                        Write(sb, e.Value);
                        first = false;
                    }

                    sb.Append(" }");
                    break;
                case BsonArray a:
                    sb.Append("[ ");
                    for (var i = 0; i < a.Count; i++)
                    {
                        sb.Append(i == 0 ? string.Empty : ", ");
                        Write(sb, a[i]);
                    }

                    sb.Append(a.Count == 0 ? "]" : " ]");
                    break;
                case BsonString s:
                    sb.Append('"').Append(s.Value.Replace("\"", "\\\"", StringComparison.Ordinal)).Append('"');
                    break;
                case BsonInt32 or BsonInt64:
                    sb.Append(v.ToInt64().ToString(CultureInfo.InvariantCulture));
                    break;
                case BsonDouble dbl:
                    // mongod writes integral doubles with ".0" (1.0), telling them apart from ints.
                    sb.Append(dbl.Value.ToString("R", CultureInfo.InvariantCulture));
                    if (double.IsFinite(dbl.Value) && Math.Abs(dbl.Value) < 1e15 && dbl.Value == Math.Floor(dbl.Value))
                    {
                        sb.Append(".0");
                    }

                    break;
                case BsonObjectId oid:
                    sb.Append("ObjectId('").Append(oid.Value.ToString()).Append("')");
                    break;
                case BsonDateTime dt:
                    sb.Append("new Date(").Append(dt.MillisecondsSinceEpoch.ToString(CultureInfo.InvariantCulture)).Append(')');
                    break;
                case BsonBoolean b:
                    sb.Append(b.Value ? "true" : "false");
                    break;
                case BsonNull:
                    sb.Append("null");
                    break;
                default:
                    sb.Append(v.ToJson());
                    break;
            }
        }
    }
}
