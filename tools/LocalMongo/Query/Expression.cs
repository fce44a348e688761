using LocalMongo.Commands;
using MongoDB.Bson;

namespace LocalMongo.Query;

/// <summary>
/// The aggregation expressions this server evaluates: field paths ("$a.b"), $$ROOT/$$CURRENT,
/// $literal, object and array literals, constants, and the operators of <see cref="ExpressionOperators"/>.
/// A null result means "missing".
/// </summary>
internal static class Expression
{
    private static readonly HashSet<string> RealButUnimplemented = new(StringComparer.Ordinal)
    {
        "$add", "$multiply", "$divide", "$concat", "$ifNull", "$toLower", "$toUpper", "$type", "$isNumber",
        "$dateToString", "$year", "$month", "$dayOfMonth", "$hour", "$size", "$arrayElemAt", "$in", "$max",
        "$min", "$sum", "$avg", "$first", "$last", "$toString", "$toInt", "$toDouble", "$toDate", "$convert",
        "$slice", "$filter", "$map", "$reduce", "$switch", "$substr", "$substrBytes", "$trunc", "$round", "$abs",
        "$floor", "$ceil", "$dateTrunc", "$dateAdd", "$dateDiff", "$dateFromParts", "$dateToParts", "$let",
        "$elemMatch", "$getField", "$setField", "$mergeObjects", "$objectToArray", "$arrayToObject",
    };

    public static Func<BsonDocument, BsonValue?> Compile(BsonValue expression)
    {
        switch (expression)
        {
            case BsonString { Value: var s } when s.StartsWith("$$", StringComparison.Ordinal):
                var dot = s.IndexOf('.', StringComparison.Ordinal);
                var variable = dot < 0 ? s[2..] : s[2..dot];
                if (variable is not ("ROOT" or "CURRENT"))
                {
                    throw new CommandException(17276, $"Use of undefined variable: {variable}");
                }

                if (dot < 0)
                {
                    return static doc => doc;
                }

                var rootPath = FieldPath.Split(s[(dot + 1)..]);
                return doc => FieldPath.ResolveForExpression(doc, rootPath);
            case BsonString { Value: var s } when s.StartsWith('$'):
                if (s.Length == 1)
                {
                    throw new CommandException(16872, "'$' by itself is not a valid FieldPath");
                }

                var path = FieldPath.Split(s[1..]);
                return doc => FieldPath.ResolveForExpression(doc, path);
            case BsonDocument { ElementCount: 1 } op when op.GetElement(0).Name.StartsWith('$'):
                var name = op.GetElement(0).Name;
                if (name == "$literal")
                {
                    var literal = op[0];
                    return _ => literal;
                }

                if (ExpressionOperators.Names.Contains(name))
                {
                    return ExpressionOperators.Compile(name, op[0]);
                }

                if (RealButUnimplemented.Contains(name))
                {
                    throw Filter.NotImplemented("the expression " + name);
                }

                throw new CommandException(ErrorCodes.InvalidPipelineOperator, $"Invalid $project :: caused by :: Unrecognized expression '{name}'");
            case BsonDocument obj:
                var fields = obj.Select(e => (e.Name, Value: Compile(e.Value))).ToList();
                return doc =>
                {
                    var result = new BsonDocument();
                    foreach (var (fieldName, value) in fields)
                    {
                        var v = value(doc);
                        if (v is not null)
                        {
                            result.Add(fieldName, v);
                        }
                    }

                    return result;
                };
            case BsonArray array:
                var items = array.Select(Compile).ToList();
                return doc => new BsonArray(items.Select(i => i(doc) ?? BsonNull.Value));
            default:
                return _ => expression;
        }
    }
}
