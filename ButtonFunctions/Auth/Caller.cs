using Microsoft.Azure.Functions.Worker;

namespace ButtonFunctions.Auth;

/// <summary>The authenticated client behind a request, as established by the token validation middleware.</summary>
/// <param name="ClientId">The Auth0 client id (<c>azp</c>, else <c>sub</c> without <c>@clients</c>).</param>
/// <param name="Scopes">Granted scopes (from <c>scope</c> and <c>permissions</c>).</param>
public sealed record Caller(string ClientId, IReadOnlySet<string> Scopes);

/// <summary>The one seam between authentication (middleware) and function code.</summary>
public static class FunctionContextCallerExtensions
{
    private const string CallerKey = "ButtonFunctions.Caller";

    /// <summary>The caller the auth middleware validated, or <c>null</c> for anonymous requests.</summary>
    public static Caller? GetCaller(this FunctionContext context) =>
        context.Items.TryGetValue(CallerKey, out var value) ? value as Caller : null;

    public static void SetCaller(this FunctionContext context, Caller caller) => context.Items[CallerKey] = caller;
}
