using System.Text.Json;

namespace ButtonFunctions.Tests.Infra;

/// <summary>The resources and outputs `bicep snapshot` predicts for one set of parameter values.</summary>
public sealed class DeploymentSnapshot
{
    public const string TenantId = "00000000-0000-0000-0000-0000000000aa";
    public const string SubscriptionId = "00000000-0000-0000-0000-0000000000bb";

    public DeploymentSnapshot(JsonElement root)
    {
        Resources = [.. root.GetProperty("predictedResources").EnumerateArray()];
        Outputs = root.GetProperty("outputs");
    }

    public IReadOnlyList<JsonElement> Resources { get; }

    public JsonElement Outputs { get; }

    public IReadOnlyList<JsonElement> OfType(string type) =>
        [.. Resources.Where(r => string.Equals(r.GetProperty("type").GetString(), type, StringComparison.OrdinalIgnoreCase))];

    public JsonElement One(string type) => Assert.Single(OfType(type));

    /// <summary>The one resource of <paramref name="type"/> whose name ends with "/<paramref name="leafName"/>" (or is it).</summary>
    public JsonElement One(string type, string leafName) =>
        Assert.Single(OfType(type), r => r.GetProperty("name").GetString()!.Split('/')[^1] == leafName);

    public string Output(string name) => Outputs.GetProperty(name).GetString()!;
}

internal static class JsonPath
{
    /// <summary>Follows property names; fails the test naming the missing step.</summary>
    public static JsonElement At(this JsonElement element, params string[] path)
    {
        var current = element;
        foreach (var step in path)
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(step, out var next))
            {
                Assert.Fail($"missing '{step}' in {string.Join('.', path)}");
                return default;
            }

            current = next;
        }

        return current;
    }

    public static string Str(this JsonElement element, params string[] path) => element.At(path).GetString()!;

    public static bool Has(this JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind != JsonValueKind.Null;

    /// <summary>Every string value anywhere under <paramref name="element"/>, with its JSON path.</summary>
    public static IEnumerable<(string Path, string Value)> Strings(this JsonElement element, string path = "$")
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                yield return (path, element.GetString()!);
                break;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    foreach (var item in property.Value.Strings($"{path}.{property.Name}"))
                    {
                        yield return item;
                    }
                }

                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var child in element.EnumerateArray())
                {
                    foreach (var item in child.Strings($"{path}[{index++}]"))
                    {
                        yield return item;
                    }
                }

                break;
        }
    }
}
