namespace LocalHost;

/// <summary>A function as the worker reported it, reduced to what its HTTP trigger declares.</summary>
/// <param name="Name">The function name (the <c>[Function]</c> attribute).</param>
/// <param name="TriggerType">The trigger binding type, e.g. <c>httpTrigger</c>.</param>
/// <param name="Methods">Upper-case HTTP methods; empty means every method.</param>
/// <param name="Route">The route as declared (defaults to the function name), without the route prefix.</param>
/// <param name="AuthLevel">The declared auth level; LocalHost ignores it, as <c>func start</c> does.</param>
/// <param name="RouteTemplate">The route LocalHost serves: route prefix + route.</param>
public sealed record LoadedFunction(
    string Name,
    string TriggerType,
    IReadOnlyList<string> Methods,
    string Route,
    string AuthLevel,
    string RouteTemplate)
{
    internal string FunctionId { get; init; } = "";

    /// <summary>True for HTTP-triggered functions, the only ones LocalHost can invoke.</summary>
    public bool IsHttpTrigger => string.Equals(TriggerType, "httpTrigger", StringComparison.OrdinalIgnoreCase);
}
