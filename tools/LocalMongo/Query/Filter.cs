using LocalMongo.Commands;
using MongoDB.Bson;

namespace LocalMongo.Query;

/// <summary>
/// Compiles a query filter into a predicate with mongod's semantics for the operators the store uses:
/// equality (dotted paths, arrays, null = missing), $eq $ne $gt $gte $lt $lte $in $nin $exists $not,
/// $and $or $nor. Other real operators fail with NotImplemented rather than silently matching wrongly.
/// </summary>
internal static class Filter
{
    private static readonly BsonOrder Order = BsonOrder.Instance;

    private static readonly HashSet<string> RealButUnimplemented = new(StringComparer.Ordinal)
    {
        "$regex", "$options", "$elemMatch", "$size", "$all", "$type", "$mod", "$text", "$where", "$expr",
        "$geoWithin", "$geoIntersects", "$near", "$nearSphere", "$jsonSchema", "$bitsAllSet", "$bitsAnySet",
        "$bitsAllClear", "$bitsAnyClear",
    };

    public static Func<BsonDocument, bool> Compile(BsonDocument? filter)
    {
        if (filter is null || filter.ElementCount == 0)
        {
            return static _ => true;
        }

        var parts = new List<Func<BsonDocument, bool>>();
        foreach (var element in filter)
        {
            parts.Add(CompileElement(element));
        }

        return parts.Count == 1 ? parts[0] : doc => parts.TrueForAll(p => p(doc));
    }

    private static Func<BsonDocument, bool> CompileElement(BsonElement element)
    {
        var name = element.Name;
        if (name.StartsWith('$'))
        {
            switch (name)
            {
                case "$and" or "$or" or "$nor":
                    if (element.Value is not BsonArray { Count: > 0 } clauses)
                    {
                        throw new CommandException(ErrorCodes.BadValue, "$and/$or/$nor must be a nonempty array");
                    }

                    var compiled = clauses.Select(c => c is BsonDocument d
                        ? Compile(d)
                        : throw new CommandException(ErrorCodes.BadValue, "$or/$and/$nor entries need to be full objects")).ToList();
                    return name switch
                    {
                        "$and" => doc => compiled.TrueForAll(p => p(doc)),
                        "$or" => doc => compiled.Exists(p => p(doc)),
                        _ => doc => !compiled.Exists(p => p(doc)),
                    };
                case "$comment":
                    return static _ => true;
                default:
                    if (RealButUnimplemented.Contains(name))
                    {
                        throw NotImplemented(name);
                    }

                    throw new CommandException(ErrorCodes.BadValue, $"unknown top level operator: {name}. If you have a field name that starts with a '$' symbol, consider using $getField or $setField.");
            }
        }

        var path = FieldPath.Split(name);
        var predicate = CompileValuePredicate(element.Value);
        return doc => predicate(FieldPath.Resolve(doc, path));
    }

    /// <summary>A predicate over the values a path reaches (null entry = missing).</summary>
    private static Func<List<BsonValue?>, bool> CompileValuePredicate(BsonValue operand)
    {
        if (operand is BsonDocument ops && ops.ElementCount > 0 && ops.GetElement(0).Name.StartsWith('$'))
        {
            var predicates = new List<Func<List<BsonValue?>, bool>>();
            foreach (var op in ops)
            {
                predicates.Add(CompileOperator(op.Name, op.Value));
            }

            return values => predicates.TrueForAll(p => p(values));
        }

        if (operand is BsonRegularExpression)
        {
            throw NotImplemented("$regex");
        }

        return Equality(operand);
    }

    private static Func<List<BsonValue?>, bool> CompileOperator(string op, BsonValue operand)
    {
        switch (op)
        {
            case "$eq":
                return Equality(operand);
            case "$ne":
                var eq = Equality(operand);
                return values => !eq(values);
            case "$gt" or "$gte" or "$lt" or "$lte":
                return Comparison(op, operand);
            case "$in":
                return In(operand);
            case "$nin":
                var @in = In(operand);
                return values => !@in(values);
            case "$exists":
                var wanted = operand.ToBoolean();
                return values => values.Exists(v => v is not null) == wanted;
            case "$not":
                if (operand is BsonDocument { ElementCount: > 0 } inner && inner.GetElement(0).Name.StartsWith('$'))
                {
                    var p = CompileValuePredicate(inner);
                    return values => !p(values);
                }

                if (operand is BsonRegularExpression)
                {
                    throw NotImplemented("$regex");
                }

                throw new CommandException(ErrorCodes.BadValue, "$not needs a regex or a document");
            default:
                if (RealButUnimplemented.Contains(op))
                {
                    throw NotImplemented(op);
                }

                throw new CommandException(ErrorCodes.BadValue, $"unknown operator: {op}");
        }
    }

    private static Func<List<BsonValue?>, bool> Equality(BsonValue operand)
    {
        if (operand.IsBsonNull)
        {
            // { a: null } matches a missing field, a null field, or an array holding null.
            return values => values.Exists(v => v is null || AnyLeaf(v, static e => e.IsBsonNull));
        }

        return values => values.Exists(v => v is not null && AnyLeaf(v, e => Order.Equals(e, operand)));
    }

    private static Func<List<BsonValue?>, bool> In(BsonValue operand)
    {
        if (operand is not BsonArray list)
        {
            throw new CommandException(ErrorCodes.BadValue, "$in needs an array");
        }

        var alternatives = new List<Func<List<BsonValue?>, bool>>();
        foreach (var item in list)
        {
            if (item is BsonRegularExpression)
            {
                throw NotImplemented("$regex");
            }

            if (item is BsonDocument d && d.ElementCount > 0 && d.GetElement(0).Name.StartsWith('$'))
            {
                throw new CommandException(ErrorCodes.BadValue, "cannot nest $ under $in");
            }

            alternatives.Add(Equality(item));
        }

        return values => alternatives.Exists(a => a(values));
    }

    private static Func<List<BsonValue?>, bool> Comparison(string op, BsonValue operand)
    {
        if (operand.IsBsonNull)
        {
            // mongod: $gte/$lte null behave like equality with null; $gt/$lt null match nothing.
            return op is "$gte" or "$lte" ? Equality(operand) : static _ => false;
        }

        Func<int, bool> accept = op switch
        {
            "$gt" => static c => c > 0,
            "$gte" => static c => c >= 0,
            "$lt" => static c => c < 0,
            _ => static c => c <= 0,
        };

        // Type bracketing: a range only matches values of the operand's type class (MinKey/MaxKey excepted).
        var anyType = operand.IsBsonMinKey || operand.IsBsonMaxKey;
        var rank = BsonOrder.CanonicalRank(operand);
        return values => values.Exists(v => v is not null && AnyLeaf(v, e =>
            (anyType || BsonOrder.CanonicalRank(e) == rank) && accept(Order.Compare(e, operand))));
    }

    /// <summary>The value itself or, for an array, any of its elements (one level, as mongod does).</summary>
    private static bool AnyLeaf(BsonValue value, Func<BsonValue, bool> test)
    {
        if (test(value))
        {
            return true;
        }

        if (value is BsonArray array)
        {
            foreach (var element in array)
            {
                if (test(element))
                {
                    return true;
                }
            }
        }

        return false;
    }

    internal static CommandException NotImplemented(string feature) =>
        new(ErrorCodes.NotImplemented, $"LocalMongo (a local stand-in, not MongoDB) does not implement {feature}");
}
