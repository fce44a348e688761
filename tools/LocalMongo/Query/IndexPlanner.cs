using LocalMongo.Storage;
using MongoDB.Bson;

namespace LocalMongo.Query;

/// <summary>A range of one index to read: bounds in index order (inclusive), the direction, and whether that order is the sort asked for.</summary>
internal sealed record IndexScan(IndexDefinition Index, BsonValue[] Low, BsonValue[] High, bool Reverse, bool ProvidesSort);

/// <summary>
/// Picks an index for a query the way mongod's planner does for the simple cases the read API needs: equality on leading
/// index fields, then a range ($gt $gte $lt $lte) on the next one, and a sort that is the following index fields in the
/// index's direction or fully reversed. Only top-level conditions give bounds; everything else (and the exact bounds)
/// is left to the full filter, which every scanned document still passes through, so a plan only changes how much is
/// read, never what is returned.
/// </summary>
internal static class IndexPlanner
{
    public static IndexScan? Plan(IReadOnlyList<IndexDefinition> indexes, BsonDocument? filter, SortSpec? sort)
    {
        if (sort is { IsNatural: true })
        {
            return null;
        }

        var conditions = Conditions(filter);
        IndexScan? best = null;
        var bestScore = 0;
        foreach (var index in indexes)
        {
            if (!index.Order.Usable)
            {
                continue;
            }

            var fields = index.FieldNames.ToArray();
            var equalities = 0;
            while (equalities < fields.Length && conditions.TryGetValue(fields[equalities], out var c) && c.Equal is not null)
            {
                equalities++;
            }

            var range = equalities < fields.Length && conditions.TryGetValue(fields[equalities], out var r) && (r.Low is not null || r.High is not null);
            var (providesSort, reverse) = SortOrder(index, fields, equalities, sort);
            var score = (providesSort ? 100 : 0) + (equalities * 10) + (range ? 5 : 0) - fields.Length;
            if ((providesSort || equalities > 0 || range) && score > bestScore)
            {
                bestScore = score;
                best = Bounds(index, fields, conditions, equalities, reverse, providesSort);
            }
        }

        return best;
    }

    /// <summary>Whether the index order after the equality prefix is the sort (or its exact reverse).</summary>
    private static (bool Provides, bool Reverse) SortOrder(IndexDefinition index, string[] fields, int equalities, SortSpec? sort)
    {
        if (sort is null || sort.Fields.Count == 0)
        {
            return (false, false);
        }

        // The sort may start at any field up to the first one without equality: fields before it are fixed.
        for (var start = 0; start <= equalities && start < fields.Length; start++)
        {
            // The sort must cover every index field after it starts: then a tie in the sort is a tie in the whole key,
            // and ties come in natural order as after a full scan (OrderedKeys.Between keeps them so).
            if (start + sort.Fields.Count != fields.Length)
            {
                continue;
            }

            int? relation = null;
            var matches = true;
            for (var j = 0; j < sort.Fields.Count && matches; j++)
            {
                var (name, direction) = sort.Fields[j];
                var same = direction * index.Order.Direction(start + j);
                matches = name == fields[start + j] && (relation is null || relation == same);
                relation = same;
            }

            if (matches)
            {
                return (true, relation < 0);
            }
        }

        return (false, false);
    }

    /// <summary>
    /// The key range in index order. Exclusive range ends are exact too: the fields after the range field are set to
    /// what sorts last (for the low end) or first (for the high end), so keys equal to the operand fall outside.
    /// </summary>
    private static IndexScan Bounds(IndexDefinition index, string[] fields, Dictionary<string, Condition> conditions, int equalities, bool reverse, bool providesSort)
    {
        var low = new BsonValue[fields.Length];
        var high = new BsonValue[fields.Length];
        bool? lowExclusive = null, highExclusive = null;
        for (var i = 0; i < fields.Length; i++)
        {
            var ascending = index.Order.Direction(i) > 0;
            BsonValue first = ascending ? BsonMinKey.Value : BsonMaxKey.Value, last = ascending ? BsonMaxKey.Value : BsonMinKey.Value;
            if (i < equalities)
            {
                low[i] = high[i] = conditions[fields[i]].Equal!;
            }
            else if (i == equalities && conditions.TryGetValue(fields[i], out var range) && (range.Low is not null || range.High is not null))
            {
                // Type bracketing: a one-sided range only matches values of its operand's kind, so stay within it.
                var lo = range.Low ?? Floor(range.High!);
                var hi = range.High ?? Ceiling(range.Low!);
                (low[i], high[i]) = ascending ? (lo, hi) : (hi, lo);
                (lowExclusive, highExclusive) = ascending
                    ? (range.Low is not null && range.LowExclusive, range.High is not null && range.HighExclusive)
                    : (range.High is not null && range.HighExclusive, range.Low is not null && range.LowExclusive);
            }
            else
            {
                low[i] = lowExclusive == true ? last : first;
                high[i] = highExclusive == true ? first : last;
            }
        }

        return new IndexScan(index, low, high, reverse, providesSort);
    }

    private static BsonValue Floor(BsonValue value) => value.BsonType switch
    {
        BsonType.DateTime => new BsonDateTime(long.MinValue),
        BsonType.String => BsonString.Empty,
        _ when BsonOrder.IsNumber(value) => new BsonDouble(double.NaN),
        _ => BsonMinKey.Value,
    };

    private static BsonValue Ceiling(BsonValue value) => value.BsonType switch
    {
        BsonType.DateTime => new BsonDateTime(long.MaxValue),
        _ when BsonOrder.IsNumber(value) => new BsonDouble(double.PositiveInfinity),
        _ => BsonMaxKey.Value,
    };

    private sealed class Condition
    {
        public BsonValue? Equal { get; set; }

        public BsonValue? Low { get; set; }

        public BsonValue? High { get; set; }

        public bool LowExclusive { get; set; }

        public bool HighExclusive { get; set; }
    }

    /// <summary>Top-level equality and range conditions on plain values (no null, arrays, documents or regexes).</summary>
    private static Dictionary<string, Condition> Conditions(BsonDocument? filter)
    {
        var conditions = new Dictionary<string, Condition>(StringComparer.Ordinal);
        if (filter is null)
        {
            return conditions;
        }

        foreach (var element in filter)
        {
            if (element.Name.StartsWith('$'))
            {
                continue;
            }

            var condition = new Condition();
            if (Plain(element.Value))
            {
                condition.Equal = element.Value;
            }
            else if (element.Value is BsonDocument ops && ops.ElementCount > 0 && ops.GetElement(0).Name.StartsWith('$'))
            {
                foreach (var op in ops)
                {
                    if (!Plain(op.Value))
                    {
                        continue;
                    }

                    switch (op.Name)
                    {
                        case "$eq":
                            condition.Equal = op.Value;
                            break;
                        // Several bounds on one side (a range and a cursor position, say): the tightest one counts.
                        case "$gt" or "$gte" when condition.Low is null || Tighter(op.Value, op.Name == "$gt", condition.Low, condition.LowExclusive, 1):
                            (condition.Low, condition.LowExclusive) = (op.Value, op.Name == "$gt");
                            break;
                        case "$lt" or "$lte" when condition.High is null || Tighter(op.Value, op.Name == "$lt", condition.High, condition.HighExclusive, -1):
                            (condition.High, condition.HighExclusive) = (op.Value, op.Name == "$lt");
                            break;
                    }
                }
            }

            // A range across two kinds of value (say a date and a number) matches nothing; leave it to the filter.
            if (condition.Low is not null && condition.High is not null && BsonOrder.CanonicalRank(condition.Low) != BsonOrder.CanonicalRank(condition.High))
            {
                condition.Low = condition.High = null;
            }

            conditions[element.Name] = condition;
        }

        return conditions;
    }

    /// <summary>Whether a bound is tighter than the current one on its side (<paramref name="side"/> 1 = low, -1 = high); only within one kind of value.</summary>
    private static bool Tighter(BsonValue value, bool exclusive, BsonValue current, bool currentExclusive, int side)
    {
        if (BsonOrder.CanonicalRank(value) != BsonOrder.CanonicalRank(current))
        {
            return false;
        }

        var c = BsonOrder.Instance.Compare(value, current) * side;
        return c > 0 || (c == 0 && exclusive && !currentExclusive);
    }

    private static bool Plain(BsonValue value) =>
        value.BsonType is BsonType.String or BsonType.DateTime or BsonType.Int32 or BsonType.Int64 or BsonType.Double
            or BsonType.Decimal128 or BsonType.ObjectId or BsonType.Boolean;
}
