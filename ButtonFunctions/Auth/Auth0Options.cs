using Microsoft.Extensions.Options;

namespace ButtonFunctions.Auth;

/// <summary>Settings of the <c>Auth0</c> configuration section: which tokens this API accepts.</summary>
internal sealed class Auth0Options
{
    public const string SectionName = "Auth0";

    /// <summary>Auth0 tenant host name (e.g. <c>tenant.eu.auth0.com</c>); the authority is <c>https://{Domain}/</c>.</summary>
    public string? Domain { get; set; }

    /// <summary>
    /// Explicit authority (issuer) instead of <see cref="Domain"/>: any <c>https://</c> URL, or
    /// <c>http://127.0.0.1[:port]/</c> for the local issuer — plain HTTP is accepted for loopback only.
    /// </summary>
    public string? Authority { get; set; }

    /// <summary>The API identifier in Auth0; must appear in the token's <c>aud</c>.</summary>
    public string? Audience { get; set; }

    public string WriteScope { get; set; } = "write:clicks";

    public string ReadScope { get; set; } = "read:clicks";

    /// <summary>When not empty, only tokens whose <c>azp</c> (client id) is listed are accepted.</summary>
    public IList<string> AllowedClientIds { get; } = new List<string>();

    /// <summary>Tolerance for clock differences between Auth0 and this app when checking <c>exp</c>/<c>nbf</c>.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Upper bound on how long a validated token is remembered (it is never remembered past its <c>exp</c>).</summary>
    public TimeSpan ValidatedTokenCacheLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How many validated tokens are remembered at most.</summary>
    public int ValidatedTokenCacheSize { get; set; } = 10_000;

    /// <summary>
    /// A token whose <c>kid</c> is not in the JWKS triggers a metadata refresh at most this often,
    /// so a flood of forged key ids cannot hammer the issuer.
    /// </summary>
    public TimeSpan MetadataRefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Authorization headers longer than this many characters are refused unparsed.</summary>
    public int MaxAuthorizationHeaderLength { get; set; } = 8 * 1024;

    /// <summary>The issuer URL (with its trailing slash) that tokens must name exactly.</summary>
    public Uri ResolveAuthority()
    {
        if (!string.IsNullOrWhiteSpace(Authority))
        {
            var text = Authority.EndsWith('/') ? Authority : Authority + "/";
            return new Uri(text, UriKind.Absolute);
        }

        return new Uri($"https://{Domain}/", UriKind.Absolute);
    }
}

/// <summary>Fails start-up with a message that names the offending <c>Auth0:*</c> key.</summary>
internal sealed class Auth0OptionsValidator : IValidateOptions<Auth0Options>
{
    public ValidateOptionsResult Validate(string? name, Auth0Options options)
    {
        var failures = new List<string>();
        var hasDomain = !string.IsNullOrWhiteSpace(options.Domain);
        var hasAuthority = !string.IsNullOrWhiteSpace(options.Authority);

        if (!hasDomain && !hasAuthority)
        {
            failures.Add("Auth0:Domain is required (your Auth0 tenant, e.g. tenant.eu.auth0.com), or Auth0:Authority for a local issuer.");
        }
        else if (hasDomain && hasAuthority)
        {
            failures.Add("Set either Auth0:Domain or Auth0:Authority, not both.");
        }
        else if (hasDomain && !Uri.CheckHostName(options.Domain).Equals(UriHostNameType.Dns))
        {
            failures.Add("Auth0:Domain must be a host name such as tenant.eu.auth0.com (no scheme, no path).");
        }
        else if (hasAuthority && !IsAcceptableAuthority(options.Authority!))
        {
            failures.Add("Auth0:Authority must be an https:// URL, or http://127.0.0.1[:port]/ for the local issuer (no query or fragment).");
        }

        if (string.IsNullOrWhiteSpace(options.Audience))
        {
            failures.Add("Auth0:Audience is required (the API identifier configured in Auth0).");
        }

        if (string.IsNullOrWhiteSpace(options.WriteScope) || options.WriteScope.Contains(' ', StringComparison.Ordinal))
        {
            failures.Add("Auth0:WriteScope must be a single scope name.");
        }

        if (string.IsNullOrWhiteSpace(options.ReadScope) || options.ReadScope.Contains(' ', StringComparison.Ordinal))
        {
            failures.Add("Auth0:ReadScope must be a single scope name.");
        }

        if (options.ClockSkew < TimeSpan.Zero || options.ClockSkew > TimeSpan.FromMinutes(5))
        {
            failures.Add("Auth0:ClockSkew must be between 00:00:00 and 00:05:00.");
        }

        if (options.ValidatedTokenCacheLifetime < TimeSpan.Zero || options.ValidatedTokenCacheLifetime > TimeSpan.FromHours(1))
        {
            failures.Add("Auth0:ValidatedTokenCacheLifetime must be between 00:00:00 (no cache) and 01:00:00.");
        }

        if (options.ValidatedTokenCacheSize < 1)
        {
            failures.Add("Auth0:ValidatedTokenCacheSize must be at least 1.");
        }

        if (options.MetadataRefreshInterval < TimeSpan.FromSeconds(1))
        {
            failures.Add("Auth0:MetadataRefreshInterval must be at least 00:00:01.");
        }

        if (options.MaxAuthorizationHeaderLength < 1024)
        {
            failures.Add("Auth0:MaxAuthorizationHeaderLength must be at least 1024.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool IsAcceptableAuthority(string authority)
    {
        if (!Uri.TryCreate(authority, UriKind.Absolute, out var uri) || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment)
            || !string.IsNullOrEmpty(uri.UserInfo))
        {
            return false;
        }

        // Plain HTTP would let anyone on the path swap the signing keys; only the local issuer on loopback may use it.
        return uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && uri.Host == "127.0.0.1");
    }
}
