using LocalMongo.Commands;
using MongoDB.Bson;

namespace LocalMongo.Query;

/// <summary>
/// A sort specification with mongod's semantics: BSON comparison order; an array field sorts by its
/// smallest element ascending and its largest descending; missing sorts as null; an empty array sorts
/// below null.
/// </summary>
internal sealed class SortSpec
{
    private readonly List<(string[] Path, int Direction)> _keys;
    private readonly List<(string Name, int Direction)> _fields = [];

    // { $natural: 1 | -1 } orders by insertion, not by a field; 0 when the spec has field keys.
    private readonly int _natural;

    private SortSpec(List<(string[] Path, int Direction)> keys, int natural = 0)
    {
        _keys = keys;
        _natural = natural;
    }

    public static SortSpec? Parse(BsonDocument? sort)
    {
        if (sort is null || sort.ElementCount == 0)
        {
            return null;
        }

        var keys = new List<(string[], int)>();
        foreach (var element in sort)
        {
            if (element.Value is BsonDocument)
            {
                throw Filter.NotImplemented("$meta sort keys");
            }

            var direction = BsonOrder.IsNumber(element.Value) ? BsonOrder.ToDouble(element.Value) : double.NaN;
            if (direction is not (1 or -1))
            {
                throw new CommandException(ErrorCodes.InvalidSortKeyOrder, "$sort key ordering must be 1 (for ascending) or -1 (for descending)");
            }

            if (element.Name == "$natural")
            {
                // Not a field: mongod scans the collection forwards or backwards. Read as a field path it would
                // be missing everywhere and silently leave the natural order as is.
                if (sort.ElementCount > 1)
                {
                    throw Filter.NotImplemented("$natural combined with other sort keys");
                }

                return new SortSpec([], (int)direction);
            }

            keys.Add((FieldPath.Split(element.Name), (int)direction));
        }

        var spec = new SortSpec(keys);
        spec._fields.AddRange(sort.Select(e => (e.Name, (int)BsonOrder.ToDouble(e.Value))));
        return spec;
    }

    /// <summary>The sort's field paths and directions, in order; empty for a $natural sort.</summary>
    public IReadOnlyList<(string Name, int Direction)> Fields => _fields;

    public bool IsNatural => _natural != 0;

    public List<BsonDocument> Apply(IEnumerable<BsonDocument> docs)
    {
        if (_natural != 0)
        {
            var natural = docs.ToList();
            if (_natural < 0)
            {
                natural.Reverse();
            }

            return natural;
        }

        // Sort keys are computed once per document; OrderBy is stable, so ties keep natural order.
        return docs.Select(d => (Doc: d, Key: KeyOf(d)))
            .OrderBy(x => x.Key, new KeyComparer(_keys))
            .Select(x => x.Doc)
            .ToList();
    }

    private BsonValue[] KeyOf(BsonDocument doc)
    {
        var key = new BsonValue[_keys.Count];
        for (var i = 0; i < _keys.Count; i++)
        {
            var (path, direction) = _keys[i];
            BsonValue? best = null;
            var sawEmptyArray = false;
            foreach (var v in FieldPath.Resolve(doc, path))
            {
                var candidates = v is BsonArray a ? a : (IEnumerable<BsonValue>)[v ?? BsonNull.Value];
                if (v is BsonArray { Count: 0 })
                {
                    sawEmptyArray = true;
                }

                foreach (var c in candidates)
                {
                    if (best is null || BsonOrder.Instance.Compare(c, best) * direction < 0)
                    {
                        best = c;
                    }
                }
            }

            // BsonUndefined ranks just below null, which is where mongod puts an empty array.
            key[i] = best ?? (sawEmptyArray ? BsonUndefined.Value : BsonNull.Value);
        }

        return key;
    }

    private sealed class KeyComparer(List<(string[] Path, int Direction)> keys) : IComparer<BsonValue[]>
    {
        public int Compare(BsonValue[]? x, BsonValue[]? y)
        {
            for (var i = 0; i < keys.Count; i++)
            {
                var c = BsonOrder.Instance.Compare(x![i], y![i]);
                if (c != 0)
                {
                    return c * keys[i].Direction;
                }
            }

            return 0;
        }
    }
}
