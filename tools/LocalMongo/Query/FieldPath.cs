using System.Globalization;
using MongoDB.Bson;

namespace LocalMongo.Query;

/// <summary>Dotted-path lookup with MongoDB's query semantics (implicit traversal of arrays of documents).</summary>
internal static class FieldPath
{
    /// <summary>
    /// Every value the query path reaches; <c>null</c> entries stand for "missing". Arrays met along the
    /// way are traversed (one level, as mongod does), and a numeric part also indexes into an array.
    /// </summary>
    public static List<BsonValue?> Resolve(BsonDocument doc, string[] parts)
    {
        var found = new List<BsonValue?>(1);
        Walk(doc, parts, 0, found);
        if (found.Count == 0)
        {
            found.Add(null);
        }

        return found;
    }

    private static void Walk(BsonValue current, string[] parts, int i, List<BsonValue?> found)
    {
        if (i == parts.Length)
        {
            found.Add(current);
            return;
        }

        switch (current)
        {
            case BsonDocument d:
                if (d.TryGetValue(parts[i], out var next))
                {
                    Walk(next, parts, i + 1, found);
                }
                else
                {
                    found.Add(null);
                }

                break;
            case BsonArray a:
                if (int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < a.Count)
                {
                    Walk(a[index], parts, i + 1, found);
                }

                foreach (var element in a)
                {
                    if (element is BsonDocument)
                    {
                        Walk(element, parts, i, found);
                    }
                }

                break;
            default:
                found.Add(null);
                break;
        }
    }

    /// <summary>Aggregation semantics for "$a.b": arrays map to arrays of the reached values.</summary>
    public static BsonValue? ResolveForExpression(BsonValue current, string[] parts, int i = 0)
    {
        if (i == parts.Length)
        {
            return current;
        }

        switch (current)
        {
            case BsonDocument d:
                return d.TryGetValue(parts[i], out var next) ? ResolveForExpression(next, parts, i + 1) : null;
            case BsonArray a:
                var result = new BsonArray();
                foreach (var element in a)
                {
                    if (element is BsonDocument or BsonArray)
                    {
                        var v = ResolveForExpression(element, parts, i);
                        if (v is not null)
                        {
                            result.Add(v);
                        }
                    }
                }

                return result;
            default:
                return null;
        }
    }

    public static string[] Split(string path) => path.Split('.');
}
