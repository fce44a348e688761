using LocalMongo.Commands;
using MongoDB.Bson;

namespace LocalMongo.Query;

/// <summary>
/// The aggregation expression operators the click summary uses, with mongod's semantics: comparisons
/// ($eq $ne $gt $gte $lt $lte $cmp) in BSON order with a missing value below null, boolean logic ($and $or $not)
/// with aggregation truthiness, $cond, and the arithmetic and conversion behind time buckets ($subtract $mod $toLong).
/// A null result of an evaluator means "missing".
/// </summary>
internal static class ExpressionOperators
{
    public static readonly IReadOnlySet<string> Names = new HashSet<string>(StringComparer.Ordinal)
    {
        "$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$cmp", "$and", "$or", "$not", "$cond", "$subtract", "$mod", "$toLong",
    };

    public static Func<BsonDocument, BsonValue?> Compile(string name, BsonValue operand)
    {
        if (name == "$cond")
        {
            return Cond(operand);
        }

        var args = (operand is BsonArray array ? array : [operand]).Select(Expression.Compile).ToList();
        switch (name)
        {
            case "$eq" or "$ne" or "$gt" or "$gte" or "$lt" or "$lte" or "$cmp":
                Arity(name, args, 2);
                Func<int, BsonValue> result = name switch
                {
                    "$eq" => static c => c == 0,
                    "$ne" => static c => c != 0,
                    "$gt" => static c => c > 0,
                    "$gte" => static c => c >= 0,
                    "$lt" => static c => c < 0,
                    "$lte" => static c => c <= 0,
                    _ => static c => Math.Sign(c),
                };
                return doc => result(BsonOrder.Instance.Compare(Comparable(args[0](doc)), Comparable(args[1](doc))));
            case "$and":
                return doc => args.TrueForAll(a => IsTrue(a(doc)));
            case "$or":
                return doc => args.Exists(a => IsTrue(a(doc)));
            case "$not":
                Arity(name, args, 1);
                return doc => !IsTrue(args[0](doc));
            case "$subtract":
                Arity(name, args, 2);
                return doc => Subtract(args[0](doc), args[1](doc));
            case "$mod":
                Arity(name, args, 2);
                return doc => Mod(args[0](doc), args[1](doc));
            default:
                Arity(name, args, 1);
                return doc => ToLong(args[0](doc));
        }
    }

    /// <summary>mongod's truthiness: false, null, missing, undefined and numeric zero are false; everything else is true.</summary>
    public static bool IsTrue(BsonValue? value) => value switch
    {
        null or BsonNull or BsonUndefined => false,
        BsonBoolean b => b.Value,
        _ when BsonOrder.IsNumber(value) => BsonOrder.ToDouble(value) != 0,
        _ => true,
    };

    // A missing value compares as mongod's EOO, which ranks with undefined, below null.
    private static BsonValue Comparable(BsonValue? value) => value ?? BsonUndefined.Value;

    private static void Arity(string name, List<Func<BsonDocument, BsonValue?>> args, int count)
    {
        if (args.Count != count)
        {
            throw new CommandException(16020, $"Expression {name} takes exactly {count} arguments. {args.Count} were passed in.");
        }
    }

    private static Func<BsonDocument, BsonValue?> Cond(BsonValue operand)
    {
        Func<BsonDocument, BsonValue?> condition, then, otherwise;
        switch (operand)
        {
            case BsonArray { Count: 3 } parts:
                (condition, then, otherwise) = (Expression.Compile(parts[0]), Expression.Compile(parts[1]), Expression.Compile(parts[2]));
                break;
            case BsonArray parts:
                throw new CommandException(16020, $"Expression $cond takes exactly 3 arguments. {parts.Count} were passed in.");
            case BsonDocument spec:
                foreach (var element in spec)
                {
                    if (element.Name is not ("if" or "then" or "else"))
                    {
                        throw new CommandException(17083, $"Unrecognized parameter to $cond: {element.Name}");
                    }
                }

                (condition, then, otherwise) = (
                    Expression.Compile(spec.GetValue("if", null) ?? throw new CommandException(17080, "Missing 'if' parameter to $cond")),
                    Expression.Compile(spec.GetValue("then", null) ?? throw new CommandException(17081, "Missing 'then' parameter to $cond")),
                    Expression.Compile(spec.GetValue("else", null) ?? throw new CommandException(17082, "Missing 'else' parameter to $cond")));
                break;
            default:
                throw new CommandException(16020, "Expression $cond takes exactly 3 arguments. 1 were passed in.");
        }

        return doc => IsTrue(condition(doc)) ? then(doc) : otherwise(doc);
    }

    private static BsonValue Subtract(BsonValue? a, BsonValue? b)
    {
        if (a is null or BsonNull or BsonUndefined || b is null or BsonNull or BsonUndefined)
        {
            return BsonNull.Value;
        }

        if (a is BsonDateTime da)
        {
            return b switch
            {
                BsonDateTime db => new BsonInt64(da.MillisecondsSinceEpoch - db.MillisecondsSinceEpoch),
                _ when BsonOrder.IsNumber(b) => new BsonDateTime(da.MillisecondsSinceEpoch - (long)Math.Round(BsonOrder.ToDouble(b))),
                _ => throw SubtractTypes(a, b),
            };
        }

        if (!BsonOrder.IsNumber(a) || !BsonOrder.IsNumber(b))
        {
            throw SubtractTypes(a, b);
        }

        return Arithmetic(a, b, static (x, y) => checked(x - y), static (x, y) => x - y, static (x, y) => x - y);
    }

    private static CommandException SubtractTypes(BsonValue a, BsonValue b) =>
        new(16556, $"cant $subtract a {TypeName(b)} from a {TypeName(a)}");

    private static BsonValue Mod(BsonValue? a, BsonValue? b)
    {
        if (a is null or BsonNull or BsonUndefined || b is null or BsonNull or BsonUndefined)
        {
            return BsonNull.Value;
        }

        if (!BsonOrder.IsNumber(a) || !BsonOrder.IsNumber(b))
        {
            throw new CommandException(16611, $"$mod only supports numeric types, not {TypeName(a)} and {TypeName(b)}");
        }

        if (BsonOrder.ToDouble(b) == 0)
        {
            throw new CommandException(16610, "can't $mod by zero");
        }

        // C#'s % keeps the dividend's sign, as mongod's $mod does (-7 % 3 == -1).
        return Arithmetic(a, b, static (x, y) => x % y, static (x, y) => x % y, static (x, y) => x % y);
    }

    /// <summary>int with int stays int (widening to long on overflow), any long makes long, any double makes double.</summary>
    private static BsonValue Arithmetic(BsonValue a, BsonValue b, Func<long, long, long> integral, Func<decimal, decimal, decimal> dec, Func<double, double, double> real)
    {
        if (a.BsonType == BsonType.Decimal128 || b.BsonType == BsonType.Decimal128)
        {
            return new BsonDecimal128(dec((decimal)a.ToDecimal128(), (decimal)b.ToDecimal128()));
        }

        if (a.BsonType == BsonType.Double || b.BsonType == BsonType.Double)
        {
            return new BsonDouble(real(BsonOrder.ToDouble(a), BsonOrder.ToDouble(b)));
        }

        long value;
        try
        {
            value = integral(a.ToInt64(), b.ToInt64());
        }
        catch (OverflowException)
        {
            return new BsonDouble(real(BsonOrder.ToDouble(a), BsonOrder.ToDouble(b)));
        }

        return a.BsonType == BsonType.Int32 && b.BsonType == BsonType.Int32 && value is >= int.MinValue and <= int.MaxValue
            ? new BsonInt32((int)value)
            : new BsonInt64(value);
    }

    private static BsonValue ToLong(BsonValue? value)
    {
        switch (value)
        {
            case null or BsonNull or BsonUndefined:
                return BsonNull.Value;
            case BsonDateTime date:
                return new BsonInt64(date.MillisecondsSinceEpoch);
            case BsonBoolean b:
                return new BsonInt64(b.Value ? 1 : 0);
            case BsonInt32 or BsonInt64:
                return new BsonInt64(value.ToInt64());
            case BsonDouble or BsonDecimal128:
                var d = BsonOrder.ToDouble(value);
                if (double.IsNaN(d) || double.IsInfinity(d) || d >= 9.2233720368547758e18 || d < -9.2233720368547758e18)
                {
                    throw new CommandException(ErrorCodes.ConversionFailure, $"Failed to parse number '{d}' in $convert with no onError value: Conversion would overflow target type");
                }

                return new BsonInt64((long)Math.Truncate(d));
            case BsonString s when long.TryParse(s.Value, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var parsed):
                return new BsonInt64(parsed);
            case BsonString s:
                throw new CommandException(ErrorCodes.ConversionFailure, $"Failed to parse number '{s.Value}' in $convert with no onError value: Did not consume whole string.");
            default:
                throw new CommandException(ErrorCodes.ConversionFailure, $"Unsupported conversion from {TypeName(value)} to long in $convert with no onError value");
        }
    }

    /// <summary>mongod's type names, as $type returns them and error messages use them.</summary>
    internal static string TypeName(BsonValue value) => value.BsonType switch
    {
        BsonType.Double => "double",
        BsonType.String => "string",
        BsonType.Document => "object",
        BsonType.Array => "array",
        BsonType.Binary => "binData",
        BsonType.Undefined => "undefined",
        BsonType.ObjectId => "objectId",
        BsonType.Boolean => "bool",
        BsonType.DateTime => "date",
        BsonType.Null => "null",
        BsonType.RegularExpression => "regex",
        BsonType.JavaScript => "javascript",
        BsonType.Int32 => "int",
        BsonType.Timestamp => "timestamp",
        BsonType.Int64 => "long",
        BsonType.Decimal128 => "decimal",
        BsonType.MinKey => "minKey",
        BsonType.MaxKey => "maxKey",
        _ => value.BsonType.ToString().ToLowerInvariant(),
    };
}
