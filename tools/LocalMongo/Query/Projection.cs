using LocalMongo.Commands;
using MongoDB.Bson;

namespace LocalMongo.Query;

/// <summary>
/// Inclusion / exclusion projections (dotted paths, arrays of sub-documents, _id included unless
/// excluded) plus computed fields from <see cref="Expression"/>, as find and $project use them.
/// </summary>
internal sealed class Projection
{
    private readonly Node _root;
    private readonly bool _inclusion;
    private readonly List<(string[] Path, Func<BsonDocument, BsonValue?> Value)> _computed;

    private Projection(Node root, bool inclusion, List<(string[], Func<BsonDocument, BsonValue?>)> computed)
    {
        _root = root;
        _inclusion = inclusion;
        _computed = computed;
    }

    public static Projection? Parse(BsonDocument? spec)
    {
        if (spec is null || spec.ElementCount == 0)
        {
            return null;
        }

        var included = new List<string>();
        var excluded = new List<string>();
        var computed = new List<(string[], Func<BsonDocument, BsonValue?>)>();
        bool? idIncluded = null;
        Flatten(spec, prefix: null);

        void Flatten(BsonDocument doc, string? prefix)
        {
            foreach (var element in doc)
            {
                var path = prefix is null ? element.Name : prefix + "." + element.Name;
                var value = element.Value;
                if (value is BsonBoolean || BsonOrder.IsNumber(value))
                {
                    var include = value.ToBoolean();
                    if (path == "_id")
                    {
                        idIncluded = include;
                    }
                    else
                    {
                        (include ? included : excluded).Add(path);
                    }
                }
                else if (value is BsonDocument { ElementCount: > 0 } nested && !nested.GetElement(0).Name.StartsWith('$'))
                {
                    Flatten(nested, path);
                }
                else
                {
                    computed.Add((FieldPath.Split(path), Expression.Compile(value)));
                }
            }
        }

        var idExcluded = idIncluded == false;

        // { _id: 1 } alone is an inclusion projection too.
        var inclusion = included.Count > 0 || computed.Count > 0 || (idIncluded == true && excluded.Count == 0);
        if (inclusion && excluded.Count > 0)
        {
            throw new CommandException(31254, $"Cannot do exclusion on field {excluded[0]} in inclusion projection");
        }

        var root = new Node();
        if (inclusion)
        {
            if (!idExcluded)
            {
                root.Add(["_id"]);
            }

            foreach (var path in included)
            {
                root.Add(FieldPath.Split(path));
            }
        }
        else
        {
            if (idExcluded)
            {
                root.Add(["_id"]);
            }

            foreach (var path in excluded)
            {
                root.Add(FieldPath.Split(path));
            }
        }

        return new Projection(root, inclusion, computed);
    }

    public BsonDocument Apply(BsonDocument doc)
    {
        if (!_inclusion)
        {
            return Exclude(doc, _root);
        }

        var result = Include(doc, _root);
        foreach (var (path, value) in _computed)
        {
            var v = value(doc);
            if (v is not null)
            {
                SetPath(result, path, v);
            }
        }

        return result;
    }

    private static BsonDocument Include(BsonDocument doc, Node node)
    {
        var result = new BsonDocument();
        foreach (var element in doc)
        {
            if (!node.Children.TryGetValue(element.Name, out var child))
            {
                continue;
            }

            if (child.IsLeaf)
            {
                result.Add(element.Name, element.Value);
            }
            else if (IncludeValue(element.Value, child) is { } kept)
            {
                result.Add(element.Name, kept);
            }
        }

        return result;
    }

    private static BsonValue? IncludeValue(BsonValue value, Node node) => value switch
    {
        BsonDocument d => Include(d, node),
        BsonArray a => new BsonArray(a.Select(e => IncludeValue(e, node)).Where(e => e is not null)),
        _ => null,
    };

    private static BsonDocument Exclude(BsonDocument doc, Node node)
    {
        var result = new BsonDocument();
        foreach (var element in doc)
        {
            if (!node.Children.TryGetValue(element.Name, out var child))
            {
                result.Add(element.Name, element.Value);
            }
            else if (!child.IsLeaf)
            {
                result.Add(element.Name, ExcludeValue(element.Value, child));
            }
        }

        return result;
    }

    private static BsonValue ExcludeValue(BsonValue value, Node node) => value switch
    {
        BsonDocument d => Exclude(d, node),
        BsonArray a => new BsonArray(a.Select(e => ExcludeValue(e, node))),
        _ => value,
    };

    private static void SetPath(BsonDocument doc, string[] path, BsonValue value)
    {
        for (var i = 0; i < path.Length - 1; i++)
        {
            if (doc.TryGetValue(path[i], out var next) && next is BsonDocument nested)
            {
                doc = nested;
            }
            else
            {
                var created = new BsonDocument();
                doc[path[i]] = created;
                doc = created;
            }
        }

        doc[path[^1]] = value;
    }

    private sealed class Node
    {
        public Dictionary<string, Node> Children { get; } = new(StringComparer.Ordinal);

        public bool IsLeaf => Children.Count == 0;

        public void Add(string[] path)
        {
            var node = this;
            for (var i = 0; i < path.Length; i++)
            {
                if (!node.Children.TryGetValue(path[i], out var child))
                {
                    child = new Node();
                    node.Children[path[i]] = child;
                }
                else if (child.IsLeaf)
                {
                    // A shorter path already covers this one ({a:1, "a.b":1} keeps all of a).
                    return;
                }
                else if (i == path.Length - 1)
                {
                    child.Children.Clear();
                }

                node = child;
            }
        }
    }
}
