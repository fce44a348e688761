using ButtonFunctions.Clicks;

namespace ButtonFunctions.Tests.Architecture;

/// <summary>
/// The function app's folders (= namespaces) depend on each other one way only, as docs/architecture.md draws them:
/// the model (Clicks) and the plumbing (Http, Json, Configuration) depend on nothing of ours, use cases on the
/// model, adapters (Functions, Storage) on use cases and the model, and the composition root on everything.
/// </summary>
[Trait("Category", "Unit")]
public sealed class NamespaceDependencyTests
{
    private const string Root = "ButtonFunctions";

    /// <summary>What each namespace may use. A new folder adds a row here and in docs/architecture.md.</summary>
    private static readonly Dictionary<string, string[]> Allowed = new(StringComparer.Ordinal)
    {
        ["ButtonFunctions"] = ["*"],
        ["ButtonFunctions.Functions"] = ["Auth", "Clicks", "Dashboard", "Destinations", "Diagnostics", "Http", "Ingest", "Read", "Readiness"],
        ["ButtonFunctions.Auth"] = ["Configuration", "Destinations", "Diagnostics", "Http"],
        ["ButtonFunctions.Readiness"] = ["Auth", "Storage"],
        ["ButtonFunctions.Ingest"] = ["Clicks", "Configuration", "Diagnostics", "Ingest.Payloads", "Json"],
        ["ButtonFunctions.Ingest.Payloads"] = ["Clicks"],
        ["ButtonFunctions.Read"] = ["Clicks"],
        ["ButtonFunctions.Destinations"] = ["Configuration", "Diagnostics", "Json"],
        ["ButtonFunctions.Storage"] = ["Clicks", "Destinations", "Diagnostics"],
        ["ButtonFunctions.Dashboard"] = ["Http"],
        ["ButtonFunctions.Clicks"] = [],
        ["ButtonFunctions.Http"] = [],
        ["ButtonFunctions.Json"] = [],
        ["ButtonFunctions.Configuration"] = [],
        ["ButtonFunctions.Diagnostics"] = [],
        ["ButtonFunctions.Telemetry"] = ["Diagnostics"],
    };

    private static readonly Lazy<Dictionary<string, HashSet<string>>> Graph =
        new(() => NamespaceDependencies.Of(typeof(ClickEvent).Assembly, Root));

    [Fact]
    public void No_two_namespaces_of_the_app_depend_on_each_other()
    {
        var cycles = NamespaceDependencies.Cycles(Graph.Value);

        Assert.True(cycles.Count == 0, "Namespace cycles: " + string.Join("; ", cycles.Select(c => string.Join(" <-> ", c))));
    }

    [Fact]
    public void Every_namespace_uses_only_what_the_architecture_allows()
    {
        var violations = new List<string>();
        foreach (var (from, uses) in Graph.Value)
        {
            if (!Allowed.TryGetValue(from, out var allowed))
            {
                violations.Add($"{from} is not in the table (add it here and to docs/architecture.md)");
                continue;
            }

            if (allowed is ["*"])
            {
                continue;
            }

            violations.AddRange(uses.Where(u => !allowed.Contains(u[(Root.Length + 1)..])).Select(u => $"{from} -> {u}"));
        }

        Assert.True(violations.Count == 0, "Dependencies not allowed: " + string.Join(", ", violations.Order(StringComparer.Ordinal)));
    }

    [Fact]
    public void The_reader_sees_dependencies_inside_method_bodies()
    {
        // Functions uses Destinations only inside method bodies (DestinationConfirmationRequest.IsConfirmation etc.)
        // and through its constructor; Ingest uses Json only in a method body (JsonBody.Parse).
        Assert.Contains("ButtonFunctions.Json", Graph.Value["ButtonFunctions.Ingest"]);
        Assert.Contains("ButtonFunctions.Destinations", Graph.Value["ButtonFunctions.Auth"]);
    }

    [Fact]
    public void The_cycle_finder_reports_a_cycle_and_ignores_a_chain()
    {
        var cyclic = new Dictionary<string, HashSet<string>>
        {
            ["A"] = ["B"],
            ["B"] = ["C"],
            ["C"] = ["A"],
            ["D"] = ["A"],
        };
        var chain = new Dictionary<string, HashSet<string>> { ["A"] = ["B"], ["B"] = ["C"], ["C"] = [] };

        Assert.Equal([["A", "B", "C"]], NamespaceDependencies.Cycles(cyclic));
        Assert.Empty(NamespaceDependencies.Cycles(chain));
    }
}
