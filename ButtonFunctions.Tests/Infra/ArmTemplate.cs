using System.Text.Json;

namespace ButtonFunctions.Tests.Infra;

/// <summary>Walks a compiled ARM template, including the templates of nested deployments (modules).</summary>
internal static class ArmTemplate
{
    public const string DeploymentType = "Microsoft.Resources/deployments";

    /// <summary>Every resource at every level, with the module path it was declared in.</summary>
    public static IEnumerable<(string Module, JsonElement Resource)> AllResources(JsonElement template, string module = "main")
    {
        foreach (var resource in ResourcesOf(template))
        {
            yield return (module, resource);
            if (resource.GetProperty("type").GetString() == DeploymentType
                && resource.TryGetProperty("properties", out var properties)
                && properties.TryGetProperty("template", out var nested))
            {
                foreach (var inner in AllResources(nested, $"{module}/{resource.GetProperty("name").GetString()}"))
                {
                    yield return inner;
                }
            }
        }
    }

    /// <summary>
    /// Every string a resource itself carries, with its path: for a module that is the parameters it
    /// passes (its template's resources are visited on their own by <see cref="AllResources"/>).
    /// </summary>
    public static IEnumerable<(string Path, string Value)> OwnStrings(JsonElement resource) =>
        resource.GetProperty("type").GetString() == DeploymentType
            ? resource.GetProperty("properties").TryGetProperty("parameters", out var parameters)
                ? parameters.Strings("$.properties.parameters")
                : []
            : resource.Strings();

    /// <summary>The outputs section of the template and of every nested template.</summary>
    public static IEnumerable<(string Module, JsonElement Outputs)> AllOutputs(JsonElement template)
    {
        if (template.TryGetProperty("outputs", out var outputs))
        {
            yield return ("main", outputs);
        }

        foreach (var (module, resource) in AllResources(template))
        {
            if (resource.GetProperty("type").GetString() == DeploymentType
                && resource.GetProperty("properties").GetProperty("template").TryGetProperty("outputs", out var nestedOutputs))
            {
                yield return ($"{module}/{resource.GetProperty("name").GetString()}", nestedOutputs);
            }
        }
    }

    // Bicep emits an array of resources, or an object keyed by symbolic name (language version 2.0).
    private static IEnumerable<JsonElement> ResourcesOf(JsonElement template)
    {
        if (!template.TryGetProperty("resources", out var resources))
        {
            return [];
        }

        return resources.ValueKind == JsonValueKind.Array
            ? resources.EnumerateArray()
            : resources.EnumerateObject().Select(p => p.Value);
    }
}
