using LocalMongo.Query;
using MongoDB.Bson;

namespace LocalMongo.Storage;

/// <summary>
/// An index's keys in the index's own order (BSON order per field, times the field's direction; ties by record), so a
/// query with bounds on the index's leading fields reads only the range it asks for, in index order, as mongod's index
/// scan does. It is an acceleration structure only: every scanned document is still checked against the whole filter.
/// It switches itself off for good (queries then scan the collection) when it cannot represent a document exactly:
/// a multikey document (an array in an indexed field) or keys that cannot be computed, and it is never used for
/// sparse or partial indexes, which leave documents out.
/// </summary>
internal sealed class OrderedKeys
{
    private readonly int[] _directions;
    private readonly EntryComparer _comparer;
    private readonly SortedSet<Entry> _entries;

    public OrderedKeys(int[] directions, bool usable)
    {
        _directions = directions;
        _comparer = new EntryComparer(directions);
        _entries = new SortedSet<Entry>(_comparer);
        Usable = usable;
    }

    public bool Usable { get; private set; }

    public int FieldCount => _directions.Length;

    public int Direction(int field) => _directions[field];

    public void Add(List<BsonValue> keys, long record, BsonDocument document)
    {
        if (!Usable)
        {
            return;
        }

        if (keys.Count != 1 || keys[0].AsBsonArray.Any(v => v is BsonArray or BsonUndefined))
        {
            Disable();
            return;
        }

        _entries.Add(new Entry([.. keys[0].AsBsonArray], record, document));
    }

    public void Remove(List<BsonValue> keys, long record)
    {
        if (Usable && keys.Count == 1)
        {
            _entries.Remove(new Entry([.. keys[0].AsBsonArray], record, null));
        }
    }

    public void Disable()
    {
        Usable = false;
        _entries.Clear();
    }

    /// <summary>
    /// Records (and their documents, which never change once stored) whose keys lie between <paramref name="low"/> and <paramref name="high"/> (inclusive, in index order),
    /// backwards when <paramref name="reverse"/>. Records with equal keys always come oldest first, as a stable sort
    /// of a full scan orders them.
    /// </summary>
    public IEnumerable<(long Record, BsonDocument Document)> Between(BsonValue[] low, BsonValue[] high, bool reverse)
    {
        var (from, to) = (new Entry(low, long.MinValue, null), new Entry(high, long.MaxValue, null));
        if (_comparer.Compare(from, to) > 0)
        {
            yield break;
        }

        var view = _entries.GetViewBetween(from, to);
        if (!reverse)
        {
            foreach (var entry in view)
            {
                yield return (entry.Record, entry.Document!);
            }

            yield break;
        }

        var run = new List<(long, BsonDocument)>();
        BsonValue[]? runKey = null;
        foreach (var entry in view.Reverse())
        {
            if (runKey is not null && !_comparer.SameKey(runKey, entry.Key))
            {
                for (var i = run.Count - 1; i >= 0; i--)
                {
                    yield return run[i];
                }

                run.Clear();
            }

            runKey = entry.Key;
            run.Add((entry.Record, entry.Document!));
        }

        for (var i = run.Count - 1; i >= 0; i--)
        {
            yield return run[i];
        }
    }

    private readonly record struct Entry(BsonValue[] Key, long Record, BsonDocument? Document);

    private sealed class EntryComparer(int[] directions) : IComparer<Entry>
    {
        public int Compare(Entry x, Entry y)
        {
            for (var i = 0; i < directions.Length; i++)
            {
                var c = BsonOrder.Instance.Compare(x.Key[i], y.Key[i]);
                if (c != 0)
                {
                    return c * directions[i];
                }
            }

            return x.Record.CompareTo(y.Record);
        }

        public bool SameKey(BsonValue[] x, BsonValue[] y)
        {
            for (var i = 0; i < directions.Length; i++)
            {
                if (BsonOrder.Instance.Compare(x[i], y[i]) != 0)
                {
                    return false;
                }
            }

            return true;
        }
    }
}
