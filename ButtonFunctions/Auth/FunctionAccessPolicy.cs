namespace ButtonFunctions.Auth;

/// <summary>What a caller must present to run a function.</summary>
internal enum RequiredAccess
{
    /// <summary>No token needed.</summary>
    Anonymous,

    /// <summary>A valid token with the configured write scope (<c>Auth0:WriteScope</c>).</summary>
    WriteScope,

    /// <summary>A valid token with the configured read scope (<c>Auth0:ReadScope</c>).</summary>
    ReadScope,
}

/// <summary>
/// Access rules per HTTP function, in one table so a reviewer sees the whole surface at once.
/// A function missing here is refused (fail closed); a test checks every HTTP function is listed.
/// </summary>
internal static class FunctionAccessPolicy
{
    private static readonly Dictionary<string, RequiredAccess> Table = new(StringComparer.Ordinal)
    {
        ["Health"] = RequiredAccess.Anonymous,
        ["IngestClicks"] = RequiredAccess.WriteScope,
        ["ListClicks"] = RequiredAccess.ReadScope,
        ["ClickSummary"] = RequiredAccess.ReadScope,
        ["Dashboard"] = RequiredAccess.Anonymous, // static files and the public sign-in settings; the data needs a token
    };

    /// <summary>Functions that may receive AWS destination confirmations without a token (the function handles them).</summary>
    private static readonly HashSet<string> AcceptsDestinationConfirmation = new(StringComparer.Ordinal) { "IngestClicks" };

    public static IReadOnlyCollection<string> KnownFunctions => Table.Keys;

    public static RequiredAccess? For(string functionName) =>
        Table.TryGetValue(functionName, out var access) ? access : null;

    public static bool AllowsUnauthenticatedConfirmation(string functionName) => AcceptsDestinationConfirmation.Contains(functionName);
}
