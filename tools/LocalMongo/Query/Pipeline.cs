using LocalMongo.Commands;
using MongoDB.Bson;

namespace LocalMongo.Query;

/// <summary>
/// The aggregation stages the store uses: $match, $sort, $skip, $limit, $group, $project, $count,
/// $addFields (alias $set) and $facet.
/// </summary>
internal static class Pipeline
{
    private static readonly HashSet<string> RealButUnimplemented = new(StringComparer.Ordinal)
    {
        "$unwind", "$lookup", "$unset", "$bucket", "$bucketAuto", "$sortByCount",
        "$replaceRoot", "$replaceWith", "$sample", "$out", "$merge", "$geoNear", "$graphLookup", "$unionWith",
        "$densify", "$fill", "$setWindowFields", "$redact", "$collStats", "$indexStats", "$documents",
    };

    public static Func<IEnumerable<BsonDocument>, IEnumerable<BsonDocument>> Compile(BsonArray pipeline) => Compile(pipeline, skip: 0);

    /// <summary>Validates every stage, then runs all but the first <paramref name="skip"/> (which an index scan already did).</summary>
    public static Func<IEnumerable<BsonDocument>, IEnumerable<BsonDocument>> Compile(BsonArray pipeline, int skip)
    {
        var stages = new List<Func<IEnumerable<BsonDocument>, IEnumerable<BsonDocument>>>();
        foreach (var item in pipeline)
        {
            if (item is not BsonDocument { ElementCount: 1 } stage)
            {
                throw new CommandException(40323, "A pipeline stage specification object must contain exactly one field.");
            }

            stages.Add(CompileStage(stage.GetElement(0)));
        }

        var run = stages.Skip(skip).ToList();
        return input => run.Aggregate(input, (docs, stage) => stage(docs));
    }

    private static Func<IEnumerable<BsonDocument>, IEnumerable<BsonDocument>> CompileStage(BsonElement stage)
    {
        switch (stage.Name)
        {
            case "$match":
                var predicate = Filter.Compile(stage.Value as BsonDocument
                    ?? throw new CommandException(15959, "the match filter must be an expression in an object"));
                return docs => docs.Where(predicate);
            case "$sort":
                var sort = SortSpec.Parse(stage.Value as BsonDocument
                    ?? throw new CommandException(15973, "the $sort key specification must be an object"))
                    ?? throw new CommandException(15976, "$sort stage must have at least one sort key");
                return docs => sort.Apply(docs);
            case "$skip":
                var skip = NonNegative(stage.Value, "$skip", 15956);
                return docs => docs.Skip(skip);
            case "$limit":
                var limit = NonNegative(stage.Value, "$limit", 15957);
                if (limit == 0)
                {
                    throw new CommandException(15958, "the limit must be positive");
                }

                return docs => docs.Take(limit);
            case "$project":
                if (stage.Value is not BsonDocument { ElementCount: > 0 } spec)
                {
                    throw new CommandException(51272, "$project requires at least one output field");
                }

                var projection = Projection.Parse(spec)!;
                return docs => docs.Select(projection.Apply);
            case "$count":
                if (stage.Value is not BsonString { Value: { Length: > 0 } field } || field.StartsWith('$') || field.Contains('.', StringComparison.Ordinal))
                {
                    throw new CommandException(40156, "the count field must be a non-empty string that does not start with '$' or contain '.'");
                }

                return docs =>
                {
                    var n = docs.Count();
                    return n == 0 ? [] : [new BsonDocument(field, n)];
                };
            case "$group":
                return CompileGroup(stage.Value as BsonDocument
                    ?? throw new CommandException(15947, "a group's fields must be specified in an object"));
            case "$addFields" or "$set":
                return CompileAddFields(stage.Name, stage.Value);
            case "$facet":
                return CompileFacet(stage.Value);
            default:
                if (RealButUnimplemented.Contains(stage.Name))
                {
                    throw Filter.NotImplemented("the " + stage.Name + " stage");
                }

                throw new CommandException(ErrorCodes.UnrecognizedPipelineStage, $"Unrecognized pipeline stage name: '{stage.Name}'");
        }
    }

    /// <summary>$addFields / $set: each field gets its expression's value (a missing value removes the field); the rest stays.</summary>
    private static Func<IEnumerable<BsonDocument>, IEnumerable<BsonDocument>> CompileAddFields(string stage, BsonValue value)
    {
        if (value is not BsonDocument spec)
        {
            throw new CommandException(40272, $"{stage} specification stage must be an object, got {ExpressionOperators.TypeName(value)}");
        }

        if (spec.ElementCount == 0)
        {
            throw new CommandException(40177, $"Invalid {stage} :: caused by :: specification must have at least one field");
        }

        var fields = new List<(string Name, Func<BsonDocument, BsonValue?> Value)>();
        foreach (var element in spec)
        {
            if (element.Name.StartsWith('$'))
            {
                throw new CommandException(16410, $"Invalid {stage} :: caused by :: FieldPath field names may not start with '$'. Consider using $getField or $setField.");
            }

            if (element.Name.Contains('.', StringComparison.Ordinal))
            {
                throw Filter.NotImplemented($"dotted field paths in {stage}");
            }

            fields.Add((element.Name, Expression.Compile(element.Value)));
        }

        return docs => docs.Select(doc =>
        {
            // Stored documents are never changed: each output is a copy.
            var result = new BsonDocument(doc.Elements);
            foreach (var (name, compute) in fields)
            {
                if (compute(doc) is { } v)
                {
                    result[name] = v;
                }
                else
                {
                    result.Remove(name);
                }
            }

            return result;
        });
    }

    /// <summary>$facet: every sub-pipeline runs over the same input; one output document holds each one's results.</summary>
    private static Func<IEnumerable<BsonDocument>, IEnumerable<BsonDocument>> CompileFacet(BsonValue value)
    {
        if (value is not BsonDocument { ElementCount: > 0 } spec)
        {
            throw new CommandException(40169, "the $facet specification must be a non-empty object");
        }

        var facets = new List<(string Name, Func<IEnumerable<BsonDocument>, IEnumerable<BsonDocument>> Run)>();
        foreach (var element in spec)
        {
            if (element.Name.Length == 0 || element.Name.StartsWith('$') || element.Name.Contains('.', StringComparison.Ordinal))
            {
                throw new CommandException(40174, $"Invalid $facet :: caused by :: FieldPath field names may not start with '$' or contain '.': '{element.Name}'");
            }

            if (element.Value is not BsonArray stages)
            {
                throw new CommandException(40170, $"arguments to $facet must be arrays, {element.Name} is type {ExpressionOperators.TypeName(element.Value)}");
            }

            foreach (var stage in stages)
            {
                if (stage is BsonDocument { ElementCount: 1 } d && d.GetElement(0).Name is "$facet" or "$out" or "$merge" or "$geoNear" or "$indexStats" or "$collStats" or "$changeStream")
                {
                    throw new CommandException(40600, $"{d.GetElement(0).Name} is not allowed to be used within a $facet stage");
                }
            }

            facets.Add((element.Name, Compile(stages)));
        }

        return docs =>
        {
            var input = docs.ToList();
            var output = new BsonDocument();
            foreach (var (name, run) in facets)
            {
                output.Add(name, new BsonArray(run(input)));
            }

            return [output];
        };
    }

    private static int NonNegative(BsonValue value, string stage, int code)
    {
        if (!BsonOrder.IsNumber(value) || BsonOrder.ToDouble(value) is var d && (d < 0 || d != Math.Floor(d) || d > int.MaxValue))
        {
            throw new CommandException(code, $"invalid argument to {stage} stage: Expected a non-negative integral number");
        }

        return (int)d;
    }

    private static Func<IEnumerable<BsonDocument>, IEnumerable<BsonDocument>> CompileGroup(BsonDocument spec)
    {
        if (!spec.TryGetValue("_id", out var idSpec))
        {
            throw new CommandException(15955, "a group specification must include an _id");
        }

        var key = Expression.Compile(idSpec);
        var accumulators = new List<(string Field, Func<Accumulator> Create)>();
        foreach (var element in spec)
        {
            if (element.Name == "_id")
            {
                continue;
            }

            if (element.Value is not BsonDocument { ElementCount: 1 } accSpec)
            {
                throw new CommandException(ErrorCodes.GroupFieldNotAccumulator, $"The field '{element.Name}' must be an accumulator object");
            }

            accumulators.Add((element.Name, Accumulator.Factory(accSpec.GetElement(0))));
        }

        return docs =>
        {
            // Groups come out in order of first appearance (mongod's order is unspecified).
            var groups = new Dictionary<BsonValue, Accumulator[]>(BsonOrder.Instance);
            var order = new List<BsonValue>();
            foreach (var doc in docs)
            {
                var k = key(doc) ?? BsonNull.Value;
                if (!groups.TryGetValue(k, out var accs))
                {
                    accs = accumulators.Select(a => a.Create()).ToArray();
                    groups[k] = accs;
                    order.Add(k);
                }

                foreach (var acc in accs)
                {
                    acc.Add(doc);
                }
            }

            return order.Select(k =>
            {
                var result = new BsonDocument("_id", k);
                var accs = groups[k];
                for (var i = 0; i < accumulators.Count; i++)
                {
                    result.Add(accumulators[i].Field, accs[i].Result());
                }

                return result;
            }).ToList();
        };
    }
}

/// <summary>$group accumulators: $sum $avg $min $max $first $last $push $count.</summary>
internal abstract class Accumulator
{
    public abstract void Add(BsonDocument doc);

    public abstract BsonValue Result();

    public static Func<Accumulator> Factory(BsonElement spec)
    {
        var op = spec.Name;
        if (op == "$count")
        {
            return () => new Sum(_ => 1);
        }

        var value = Expression.Compile(spec.Value);
        return op switch
        {
            "$sum" => () => new Sum(value),
            "$avg" => () => new Avg(value),
            "$min" => () => new MinMax(value, -1),
            "$max" => () => new MinMax(value, 1),
            "$first" => () => new FirstLast(value, first: true),
            "$last" => () => new FirstLast(value, first: false),
            "$push" => () => new Push(value),
            "$addToSet" or "$stdDevPop" or "$stdDevSamp" or "$mergeObjects" or "$top" or "$bottom" or "$topN"
                or "$bottomN" or "$firstN" or "$lastN" or "$maxN" or "$minN" or "$median" or "$percentile"
                => throw Filter.NotImplemented("the accumulator " + op),
            _ => throw new CommandException(ErrorCodes.UnknownGroupOperator, $"unknown group operator '{op}'"),
        };
    }

    /// <summary>
    /// mongod's $sum: non-numbers are ignored; the result keeps the widest numeric type seen
    /// (int → long on overflow → double; decimal if any input is decimal).
    /// </summary>
    private sealed class Sum(Func<BsonDocument, BsonValue?> value) : Accumulator
    {
        private long _long;
        private double _double;
        private decimal _decimal;
        private BsonType _widest = BsonType.Int32;
        private bool _overflow;

        public override void Add(BsonDocument doc) => AddValue(value(doc));

        public void AddValue(BsonValue? v)
        {
            if (v is null || !BsonOrder.IsNumber(v))
            {
                return;
            }

            Count++;
            switch (v.BsonType)
            {
                case BsonType.Int32 or BsonType.Int64:
                    var l = v.ToInt64();
                    if (!_overflow)
                    {
                        try
                        {
                            _long = checked(_long + l);
                        }
                        catch (OverflowException)
                        {
                            _overflow = true;
                        }
                    }

                    if (v.BsonType == BsonType.Int64 && _widest == BsonType.Int32)
                    {
                        _widest = BsonType.Int64;
                    }

                    break;
                case BsonType.Double:
                    if (_widest is BsonType.Int32 or BsonType.Int64)
                    {
                        _widest = BsonType.Double;
                    }

                    break;
                default:
                    _widest = BsonType.Decimal128;
                    break;
            }

            _double += BsonOrder.ToDouble(v);
            try
            {
                _decimal += v.BsonType switch
                {
                    BsonType.Decimal128 => (decimal)v.AsDecimal128,
                    BsonType.Double => (decimal)v.AsDouble,
                    _ => v.ToInt64(),
                };
            }
            catch (OverflowException)
            {
                // Outside System.Decimal's range (or NaN/infinity): only a decimal result would need it.
            }
        }

        public int Count { get; private set; }

        public double Total => _double;

        public override BsonValue Result()
        {
            if (_widest == BsonType.Decimal128)
            {
                return new BsonDecimal128(_decimal);
            }

            if (_widest == BsonType.Double || _overflow)
            {
                return new BsonDouble(_double);
            }

            if (_widest == BsonType.Int32 && _long is >= int.MinValue and <= int.MaxValue)
            {
                return new BsonInt32((int)_long);
            }

            return new BsonInt64(_long);
        }
    }

    private sealed class Avg(Func<BsonDocument, BsonValue?> value) : Accumulator
    {
        private readonly Sum _sum = new(value);

        public override void Add(BsonDocument doc) => _sum.Add(doc);

        public override BsonValue Result() =>
            _sum.Count == 0 ? BsonNull.Value : new BsonDouble(_sum.Total / _sum.Count);
    }

    private sealed class MinMax(Func<BsonDocument, BsonValue?> value, int direction) : Accumulator
    {
        private BsonValue? _best;

        public override void Add(BsonDocument doc)
        {
            // $min/$max ignore missing and null values.
            var v = value(doc);
            if (v is null || v.IsBsonNull || v.IsBsonUndefined)
            {
                return;
            }

            if (_best is null || BsonOrder.Instance.Compare(v, _best) * direction > 0)
            {
                _best = v;
            }
        }

        public override BsonValue Result() => _best ?? BsonNull.Value;
    }

    private sealed class FirstLast(Func<BsonDocument, BsonValue?> value, bool first) : Accumulator
    {
        private BsonValue? _value;
        private bool _seen;

        public override void Add(BsonDocument doc)
        {
            if (first && _seen)
            {
                return;
            }

            _seen = true;
            _value = value(doc) ?? BsonNull.Value;
        }

        public override BsonValue Result() => _value ?? BsonNull.Value;
    }

    private sealed class Push(Func<BsonDocument, BsonValue?> value) : Accumulator
    {
        private readonly BsonArray _items = [];

        public override void Add(BsonDocument doc)
        {
            if (value(doc) is { } v)
            {
                _items.Add(v);
            }
        }

        public override BsonValue Result() => _items;
    }
}
