using System.Text.Json;
using System.Text.Json.Serialization;
using ButtonSimulator.Tokens;

namespace ButtonSimulator.Cli;

/// <summary>
/// Where to send clicks and how to get a token. Each value comes from the command line, else an environment
/// variable (BUTTONS_URL, BUTTONS_AUTHORITY, BUTTONS_TOKEN_URL, BUTTONS_CLIENT_ID, BUTTONS_CLIENT_SECRET,
/// BUTTONS_AUDIENCE), else the credentials file of a local run, else the LocalHost/LocalIssuer defaults.
/// The credentials file is the one BUTTONS_CREDENTIALS_FILE names, else the one a running LocalHost (or standalone
/// LocalIssuer) wrote into the repository's <c>.localhost/</c>: each run writes its own file, named after its port
/// and holding its process id, so the live run whose URL matches --url (or the only live run, or the one on the
/// default port) is picked, and files of runs that have ended are ignored.
/// </summary>
internal sealed record ConnectionSettings(Uri Url, Uri TokenUrl, string? ClientId, string? ClientSecret, string Audience, string? CredentialsPath)
{
    public const string DefaultUrl = "http://127.0.0.1:7071/api/clicks";
    public const string DefaultAuthority = "http://127.0.0.1:5055/";
    public const string DefaultAudience = "https://buttonfunctions.local/api";
    public const string CredentialsDirectoryName = ".localhost";

    /// <summary>Why no credentials file was used although local runs were found (several, none matching --url).</summary>
    public string? DiscoveryProblem { get; init; }

    public static ConnectionSettings Resolve(
        string? url, string? authority, string? tokenUrl, string? clientId, string? clientSecret, string? audience,
        Func<string, string?> environment, string startDirectory)
    {
        var explicitUrl = First(url, environment("BUTTONS_URL"));
        string? fileName;
        CredentialsFileContent? file;
        string? discoveryProblem = null;
        if (environment("BUTTONS_CREDENTIALS_FILE") is { Length: > 0 } named)
        {
            fileName = named;
            file = File.Exists(named) ? ReadFile(named) : null;
        }
        else
        {
            (fileName, file) = Discover(startDirectory, explicitUrl, out discoveryProblem);
        }

        var resolvedAuthority = First(authority, environment("BUTTONS_AUTHORITY"), file?.Authority) ?? DefaultAuthority;
        if (!resolvedAuthority.EndsWith('/'))
        {
            resolvedAuthority += "/";
        }

        return new ConnectionSettings(
            new Uri(First(explicitUrl, file?.Url) ?? DefaultUrl),
            new Uri(First(tokenUrl, environment("BUTTONS_TOKEN_URL")) ?? resolvedAuthority + "oauth/token"),
            First(clientId, environment("BUTTONS_CLIENT_ID"), file?.ClientId),
            First(clientSecret, environment("BUTTONS_CLIENT_SECRET"), file?.ClientSecret),
            First(audience, environment("BUTTONS_AUDIENCE"), file?.Audience) ?? DefaultAudience,
            file is null ? null : fileName)
        {
            DiscoveryProblem = discoveryProblem,
        };
    }

    /// <summary>The credentials file of the live local run to talk to, from the nearest <c>.localhost/</c> upwards.</summary>
    private static (string? Path, CredentialsFileContent? Content) Discover(string startDirectory, string? explicitUrl, out string? problem)
    {
        problem = null;
        var directory = FindUpwards(startDirectory, CredentialsDirectoryName);
        if (directory is null)
        {
            return (null, null);
        }

        var live = Directory.EnumerateFiles(directory, "*.json")
            .Order(StringComparer.Ordinal)
            .Select(path => (Path: path, Content: ReadFile(path)))
            .Where(c => c.Content is { Url: not null } content && IsRunning(content.ProcessId))
            .ToList();
        if (explicitUrl is not null)
        {
            var wanted = new Uri(explicitUrl);
            var match = live.FirstOrDefault(c => SameEndpoint(new Uri(c.Content!.Url!), wanted));
            return (match.Path, match.Content);
        }

        if (live.Count <= 1)
        {
            return live.Count == 1 ? live[0] : (null, null);
        }

        var onDefault = live.FirstOrDefault(c => SameEndpoint(new Uri(c.Content!.Url!), new Uri(DefaultUrl)));
        if (onDefault.Content is not null)
        {
            return onDefault;
        }

        problem = "several local runs are up (" + string.Join(", ", live.Select(c => c.Content!.Url)) + "): pass --url to choose one";
        return (null, null);
    }

    private static bool SameEndpoint(Uri a, Uri b) =>
        a.Scheme == b.Scheme && a.Port == b.Port && (a.Host == b.Host || (a.IsLoopback && b.IsLoopback));

    private static bool IsRunning(int? processId)
    {
        if (processId is not > 0)
        {
            return false;
        }

        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(processId.Value);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>The token endpoint, or why there is none.</summary>
    public TokenEndpoint? TokenEndpoint(out string? problem)
    {
        if (string.IsNullOrEmpty(ClientId) || string.IsNullOrEmpty(ClientSecret))
        {
            problem = DiscoveryProblem is not null
                ? "no client credentials: " + DiscoveryProblem
                : "no client credentials: start tools/LocalHost (it writes its client into " + CredentialsDirectoryName + "/), or pass --client-id/--client-secret, or set BUTTONS_CLIENT_ID/BUTTONS_CLIENT_SECRET";
            return null;
        }

        problem = null;
        return new TokenEndpoint(TokenUrl, ClientId, ClientSecret, Audience);
    }

    private static string? First(params string?[] values) => values.FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));

    private static string? FindUpwards(string start, string directoryName)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, directoryName);
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static CredentialsFileContent? ReadFile(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<CredentialsFileContent>(File.ReadAllText(path));
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            // Half-written, removed meanwhile, or not ours: not a credentials file to use.
            return null;
        }
    }

    private sealed record CredentialsFileContent(
        [property: JsonPropertyName("authority")] string? Authority,
        [property: JsonPropertyName("audience")] string? Audience,
        [property: JsonPropertyName("clientId")] string? ClientId,
        [property: JsonPropertyName("clientSecret")] string? ClientSecret,
        [property: JsonPropertyName("url")] string? Url,
        [property: JsonPropertyName("pid")] int? ProcessId);
}
