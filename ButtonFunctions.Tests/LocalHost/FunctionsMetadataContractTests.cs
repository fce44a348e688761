using System.Text.Json;
using LocalHost;

namespace ButtonFunctions.Tests.LocalHost;

/// <summary>
/// The build's functions.metadata is what Azure and func start read to route HTTP requests. Every function of
/// ButtonFunctions must appear in the table below with its trigger, methods, route and auth level: a new
/// function adds a row.
/// </summary>
[Trait("Category", "Unit")]
public sealed class FunctionsMetadataContractTests
{
    public static TheoryData<string, string, string[], string, string> ExpectedFunctions => new()
    {
        // name,    trigger type,  methods,  route,    auth level
        { "Health", "httpTrigger", ["get"], "api/health", "Anonymous" },
        { "IngestClicks", "httpTrigger", ["post"], "api/clicks", "Anonymous" },
        { "ListClicks", "httpTrigger", ["get"], "api/clicks", "Anonymous" },
        { "ClickSummary", "httpTrigger", ["get"], "api/clicks/summary", "Anonymous" },
        { "Dashboard", "httpTrigger", ["get"], "dashboard/{*path}", "Anonymous" },
    };

    private static readonly Lazy<JsonElement[]> Functions = new(() =>
    {
        var path = Path.Combine(FunctionsLocalHostOptions.FindAppDirectory(), "functions.metadata");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return [.. document.RootElement.EnumerateArray().Select(f => f.Clone())];
    });

    [Theory]
    [MemberData(nameof(ExpectedFunctions))]
    public void Function_declares_its_trigger_methods_route_and_auth_level(
        string name, string triggerType, string[] methods, string route, string authLevel)
    {
        var function = Assert.Single(Functions.Value, f => f.GetProperty("name").GetString() == name);
        var trigger = Assert.Single(
            function.GetProperty("bindings").EnumerateArray(),
            b => b.GetProperty("type").GetString()!.EndsWith("Trigger", StringComparison.OrdinalIgnoreCase));

        Assert.Equal(triggerType, trigger.GetProperty("type").GetString());
        Assert.Equal("In", trigger.GetProperty("direction").GetString());
        Assert.Equal(methods, trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal(route, trigger.GetProperty("route").GetString());
        Assert.Equal(authLevel, trigger.GetProperty("authLevel").GetString());
    }

    [Fact]
    public void Every_function_in_the_build_has_a_row_in_the_table()
    {
        var expected = ExpectedFunctions.Select(row => (string)row[0]).Order(StringComparer.Ordinal);
        var built = Functions.Value.Select(f => f.GetProperty("name").GetString()!).Order(StringComparer.Ordinal);

        Assert.Equal(expected, built);
    }
}
