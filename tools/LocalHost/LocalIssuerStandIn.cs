using System.Security.Cryptography;
using LocalIssuer;
using Microsoft.IdentityModel.Tokens;

namespace LocalHost;

/// <summary>
/// When the app has no Auth0 tenant configured (neither <c>Auth0__Domain</c> nor <c>Auth0__Authority</c> in
/// local.settings.json, the environment or the options), LocalHost starts a LocalIssuer, points the app at
/// it and prints a client id and secret generated for this run, with a curl that obtains a token.
/// </summary>
internal static class LocalIssuerStandIn
{
    private const string DefaultAudience = "https://buttonfunctions.local/api";

    public static async Task<LocalIssuerServer?> StartIfNeededAsync(FunctionsLocalHostOptions options, CancellationToken ct)
    {
        var environment = WorkerConfig.Load(options.AppDirectory).BuildEnvironment(options.Settings, out _);
        if (Setting(environment, "Auth0", "Domain") is not null || Setting(environment, "Auth0", "Authority") is not null)
        {
            return null;
        }

        var audience = Setting(environment, "Auth0", "Audience") ?? DefaultAudience;
        var clientId = "local-" + Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(9));
        var clientSecret = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        var issuerOptions = new LocalIssuerOptions { Audience = audience };
        issuerOptions.Clients.Add(new LocalIssuerClient(clientId, clientSecret, ["write:clicks", "read:clicks"]));
        var issuer = await LocalIssuerServer.StartAsync(issuerOptions, ct);

        options.Settings["Auth0__Authority"] = issuer.Authority.AbsoluteUri;
        options.Settings["Auth0__Audience"] = audience;

        var tokenUrl = new Uri(issuer.Authority, "oauth/token").AbsoluteUri;
        Console.WriteLine($"Auth0 not configured: LocalIssuer {issuer.Authority.AbsoluteUri} stands in (audience {audience}).");
        Console.WriteLine($"  client id {clientId}, client secret {clientSecret} (generated for this run)");
        Console.WriteLine("  get a token:");
        Console.WriteLine($"  curl -s {tokenUrl} -H 'content-type: application/json' -d '{{\"grant_type\":\"client_credentials\",\"client_id\":\"{clientId}\",\"client_secret\":\"{clientSecret}\",\"audience\":\"{audience}\"}}'");
        return issuer;
    }

    /// <summary>A setting as the worker will see it: "Auth0__Domain" or "Auth0:Domain", from the worker environment or this process's.</summary>
    private static string? Setting(IReadOnlyDictionary<string, string?> environment, string section, string key)
    {
        foreach (var name in new[] { $"{section}__{key}", $"{section}:{key}" })
        {
            var value = environment.TryGetValue(name, out var configured) ? configured : Environment.GetEnvironmentVariable(name);
            if (!string.IsNullOrWhiteSpace(value))
            {
                return value;
            }
        }

        return null;
    }
}
