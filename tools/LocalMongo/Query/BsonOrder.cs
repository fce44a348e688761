using System.Globalization;
using MongoDB.Bson;

namespace LocalMongo.Query;

/// <summary>
/// MongoDB's BSON comparison order (sort, range operators, index keys, equality).
/// </summary>
/// <remarks>
/// <see cref="BsonValue.CompareTo(BsonValue)"/> is used where it agrees with the server: numbers of the
/// same width, ObjectId, Boolean, DateTime and Timestamp against their own type. It is NOT used where
/// MongoDB.Bson 3.14 differs from mongod (each checked against the library):
/// strings (it compares culture-sensitively, "a" &lt; "B"; mongod compares UTF-8 bytes, "B" &lt; "a"),
/// Date vs Timestamp (it treats them as one type; mongod orders Date before Timestamp),
/// binary data (it compares bytes first; mongod compares length, then subtype, then bytes),
/// Int64 vs Double beyond 2^53 (it compares as double; mongod compares exactly), and
/// <see cref="BsonValue.Equals(object)"/> is type-strict (Int32 1 != Double 1.0) where mongod's equality is numeric.
/// </remarks>
internal sealed class BsonOrder : IComparer<BsonValue>, IEqualityComparer<BsonValue>
{
    public static readonly BsonOrder Instance = new();

    private BsonOrder()
    {
    }

    /// <summary>mongod's canonicalizeBSONType: values of different classes order by this rank.</summary>
    public static int CanonicalRank(BsonValue value) => value.BsonType switch
    {
        BsonType.MinKey => -1,
        BsonType.Undefined => 0,
        BsonType.Null => 5,
        BsonType.Double or BsonType.Int32 or BsonType.Int64 or BsonType.Decimal128 => 10,
        BsonType.String or BsonType.Symbol => 15,
        BsonType.Document => 20,
        BsonType.Array => 25,
        BsonType.Binary => 30,
        BsonType.ObjectId => 35,
        BsonType.Boolean => 40,
        BsonType.DateTime => 45,
        BsonType.Timestamp => 47,
        BsonType.RegularExpression => 50,
        BsonType.JavaScript => 60,
        BsonType.JavaScriptWithScope => 65,
        BsonType.MaxKey => 127,
        _ => 100,
    };

    public int Compare(BsonValue? x, BsonValue? y)
    {
        x ??= BsonNull.Value;
        y ??= BsonNull.Value;
        var rank = CanonicalRank(x).CompareTo(CanonicalRank(y));
        if (rank != 0)
        {
            return rank;
        }

        switch (x.BsonType)
        {
            case BsonType.MinKey or BsonType.MaxKey or BsonType.Null or BsonType.Undefined:
                return 0;
            case BsonType.Double or BsonType.Int32 or BsonType.Int64 or BsonType.Decimal128:
                return CompareNumbers(x, y);
            case BsonType.String or BsonType.Symbol:
                return CompareStrings(StringOf(x), StringOf(y));
            case BsonType.Document:
                return CompareElements(x.AsBsonDocument.Elements, y.AsBsonDocument.Elements);
            case BsonType.Array:
                // An array compares like the document {"0": ..., "1": ...}: element names are equal index by index.
                return CompareElements(
                    x.AsBsonArray.Select((v, i) => new BsonElement(i.ToString(CultureInfo.InvariantCulture), v)),
                    y.AsBsonArray.Select((v, i) => new BsonElement(i.ToString(CultureInfo.InvariantCulture), v)));
            case BsonType.Binary:
                var bx = x.AsBsonBinaryData;
                var by = y.AsBsonBinaryData;
                var c = bx.Bytes.Length.CompareTo(by.Bytes.Length);
                if (c != 0)
                {
                    return c;
                }

                c = ((int)bx.SubType).CompareTo((int)by.SubType);
                return c != 0 ? c : bx.Bytes.AsSpan().SequenceCompareTo(by.Bytes);
            case BsonType.RegularExpression:
                var rx = x.AsBsonRegularExpression;
                var ry = y.AsBsonRegularExpression;
                c = CompareStrings(rx.Pattern, ry.Pattern);
                return c != 0 ? c : CompareStrings(rx.Options, ry.Options);
            case BsonType.ObjectId or BsonType.Boolean or BsonType.DateTime or BsonType.Timestamp:
                return Math.Sign(x.CompareTo(y));
            default:
                return CompareStrings(x.ToString() ?? string.Empty, y.ToString() ?? string.Empty);
        }
    }

    public bool Equals(BsonValue? x, BsonValue? y) => Compare(x, y) == 0;

    public int GetHashCode(BsonValue obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        switch (obj.BsonType)
        {
            case BsonType.Double or BsonType.Int32 or BsonType.Int64 or BsonType.Decimal128:
                // Equal numbers of different types must hash alike: hash the double approximation.
                var d = ToDouble(obj);
                return double.IsNaN(d) ? 0 : d.GetHashCode();
            case BsonType.String or BsonType.Symbol:
                return StringComparer.Ordinal.GetHashCode(StringOf(obj));
            case BsonType.Document:
                var h = new HashCode();
                foreach (var e in obj.AsBsonDocument)
                {
                    h.Add(e.Name, StringComparer.Ordinal);
                    h.Add(GetHashCode(e.Value));
                }

                return h.ToHashCode();
            case BsonType.Array:
                var ha = new HashCode();
                foreach (var v in obj.AsBsonArray)
                {
                    ha.Add(GetHashCode(v));
                }

                return ha.ToHashCode();
            default:
                return HashCode.Combine(CanonicalRank(obj), obj.GetHashCode());
        }
    }

    public static bool IsNumber(BsonValue v) =>
        v.BsonType is BsonType.Double or BsonType.Int32 or BsonType.Int64 or BsonType.Decimal128;

    public static double ToDouble(BsonValue v) => v.BsonType switch
    {
        BsonType.Double => v.AsDouble,
        BsonType.Int32 => v.AsInt32,
        BsonType.Int64 => v.AsInt64,
        BsonType.Decimal128 => (double)v.AsDecimal128,
        _ => double.NaN,
    };

    private static string StringOf(BsonValue v) => v is BsonSymbol s ? s.Name : v.AsString;

    /// <summary>Code point (= UTF-8 byte) order, which is what mongod's simple collation uses.</summary>
    internal static int CompareStrings(string a, string b)
    {
        var n = Math.Min(a.Length, b.Length);
        for (var i = 0; i < n; i++)
        {
            if (a[i] != b[i])
            {
                return Fix(a[i]).CompareTo(Fix(b[i]));
            }
        }

        return a.Length.CompareTo(b.Length);

        // Moves surrogates above U+E000..U+FFFF so UTF-16 code units order like code points.
        static int Fix(char c) => c >= 0xE000 ? c - 0x800 : c >= 0xD800 ? c + 0x2000 : c;
    }

    private static int CompareNumbers(BsonValue x, BsonValue y)
    {
        if (x.BsonType is BsonType.Int32 or BsonType.Int64 && y.BsonType is BsonType.Int32 or BsonType.Int64)
        {
            return x.ToInt64().CompareTo(y.ToInt64());
        }

        if (x.BsonType == BsonType.Decimal128 || y.BsonType == BsonType.Decimal128)
        {
            // Same as the library for decimals (it converts through Decimal128); NaN handling below.
            var dx = ToDouble(x);
            var dy = ToDouble(y);
            if (double.IsNaN(dx) || double.IsNaN(dy))
            {
                return CompareNaN(dx, dy);
            }

            return Math.Sign(x.CompareTo(y));
        }

        if (x.BsonType == BsonType.Int64 && y.BsonType == BsonType.Double)
        {
            return CompareLongDouble(x.AsInt64, y.AsDouble);
        }

        if (x.BsonType == BsonType.Double && y.BsonType == BsonType.Int64)
        {
            return -CompareLongDouble(y.AsInt64, x.AsDouble);
        }

        var a = ToDouble(x);
        var b = ToDouble(y);
        return double.IsNaN(a) || double.IsNaN(b) ? CompareNaN(a, b) : a.CompareTo(b);
    }

    // mongod: NaN equals NaN and sorts below every other number.
    private static int CompareNaN(double a, double b) =>
        double.IsNaN(a) ? (double.IsNaN(b) ? 0 : -1) : 1;

    private static int CompareLongDouble(long l, double d)
    {
        if (double.IsNaN(d))
        {
            return 1;
        }

        if (d >= 9.2233720368547758e18)
        {
            return -1;
        }

        if (d < -9.2233720368547758e18)
        {
            return 1;
        }

        var truncated = (long)Math.Truncate(d);
        var c = l.CompareTo(truncated);
        if (c != 0)
        {
            return c;
        }

        var fraction = d - Math.Truncate(d);
        return fraction > 0 ? -1 : fraction < 0 ? 1 : 0;
    }

    // mongod's BSONObj::woCompare: per element, canonical type first, then field name, then value.
    private int CompareElements(IEnumerable<BsonElement> xs, IEnumerable<BsonElement> ys)
    {
        using var ex = xs.GetEnumerator();
        using var ey = ys.GetEnumerator();
        while (true)
        {
            var hasX = ex.MoveNext();
            var hasY = ey.MoveNext();
            if (!hasX || !hasY)
            {
                return hasX.CompareTo(hasY);
            }

            var c = CanonicalRank(ex.Current.Value).CompareTo(CanonicalRank(ey.Current.Value));
            if (c != 0)
            {
                return c;
            }

            c = CompareStrings(ex.Current.Name, ey.Current.Name);
            if (c != 0)
            {
                return c;
            }

            c = Compare(ex.Current.Value, ey.Current.Value);
            if (c != 0)
            {
                return c;
            }
        }
    }
}
