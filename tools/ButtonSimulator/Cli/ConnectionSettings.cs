using System.Text.Json;
using System.Text.Json.Serialization;
using ButtonSimulator.Tokens;

namespace ButtonSimulator.Cli;

/// <summary>
/// Where to send clicks and how to get a token. Each value comes from the command line, else an
/// environment variable (BUTTONS_URL, BUTTONS_AUTHORITY, BUTTONS_CLIENT_ID, BUTTONS_CLIENT_SECRET,
/// BUTTONS_AUDIENCE), else the file LocalHost writes (.localhost/credentials.json in the repository),
/// else the LocalHost/LocalIssuer defaults.
/// </summary>
internal sealed record ConnectionSettings(Uri Url, Uri TokenUrl, string? ClientId, string? ClientSecret, string Audience, string? CredentialsPath)
{
    public const string DefaultUrl = "http://127.0.0.1:7071/api/clicks";
    public const string DefaultAuthority = "http://127.0.0.1:5055/";
    public const string DefaultAudience = "https://buttonfunctions.local/api";
    public const string CredentialsFileName = ".localhost/credentials.json";

    public static ConnectionSettings Resolve(
        string? url, string? authority, string? tokenUrl, string? clientId, string? clientSecret, string? audience,
        Func<string, string?> environment, string startDirectory)
    {
        var fileName = environment("BUTTONS_CREDENTIALS_FILE") ?? FindUpwards(startDirectory, CredentialsFileName);
        var file = fileName is not null && File.Exists(fileName) ? ReadFile(fileName) : null;
        var resolvedAuthority = First(authority, environment("BUTTONS_AUTHORITY"), file?.Authority) ?? DefaultAuthority;
        if (!resolvedAuthority.EndsWith('/'))
        {
            resolvedAuthority += "/";
        }

        return new ConnectionSettings(
            new Uri(First(url, environment("BUTTONS_URL"), file?.Url) ?? DefaultUrl),
            new Uri(First(tokenUrl, environment("BUTTONS_TOKEN_URL")) ?? resolvedAuthority + "oauth/token"),
            First(clientId, environment("BUTTONS_CLIENT_ID"), file?.ClientId),
            First(clientSecret, environment("BUTTONS_CLIENT_SECRET"), file?.ClientSecret),
            First(audience, environment("BUTTONS_AUDIENCE"), file?.Audience) ?? DefaultAudience,
            file is null ? null : fileName);
    }

    /// <summary>The token endpoint, or why there is none.</summary>
    public TokenEndpoint? TokenEndpoint(out string? problem)
    {
        if (string.IsNullOrEmpty(ClientId) || string.IsNullOrEmpty(ClientSecret))
        {
            problem = "no client credentials: start tools/LocalHost (it writes " + CredentialsFileName + "), or pass --client-id/--client-secret, or set BUTTONS_CLIENT_ID/BUTTONS_CLIENT_SECRET";
            return null;
        }

        problem = null;
        return new TokenEndpoint(TokenUrl, ClientId, ClientSecret, Audience);
    }

    private static string? First(params string?[] values) => values.FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));

    private static string? FindUpwards(string start, string relative)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, relative);
            if (File.Exists(candidate))
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
        catch (JsonException)
        {
            return null;
        }
    }

    private sealed record CredentialsFileContent(
        [property: JsonPropertyName("authority")] string? Authority,
        [property: JsonPropertyName("audience")] string? Audience,
        [property: JsonPropertyName("clientId")] string? ClientId,
        [property: JsonPropertyName("clientSecret")] string? ClientSecret,
        [property: JsonPropertyName("url")] string? Url);
}
