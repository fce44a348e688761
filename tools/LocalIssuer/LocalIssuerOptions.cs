namespace LocalIssuer;

/// <summary>Settings of a <see cref="LocalIssuerServer"/>.</summary>
public sealed class LocalIssuerOptions
{
    /// <summary>Port on 127.0.0.1; 0 picks a free one.</summary>
    public int Port { get; set; }

    /// <summary>The API identifier tokens are issued for when a request names no audience (Auth0's default audience).</summary>
    public string Audience { get; set; } = "https://buttonfunctions.local/api";

    /// <summary>The machine-to-machine applications allowed to obtain tokens.</summary>
    public List<LocalIssuerClient> Clients { get; } = [];

    /// <summary>Token lifetime (<c>expires_in</c>); Auth0's default is 24 hours.</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// Single Page Applications that sign users in with the authorization code flow + PKCE (more can be added
    /// while the issuer runs, with <see cref="LocalIssuerServer.RegisterSpaClient"/>).
    /// </summary>
    public List<LocalIssuerSpaClient> SpaClients { get; } = [];

    /// <summary>
    /// Lifetime of an access token issued to a browser (Auth0's API setting "Token Expiration For Browser Flows",
    /// 7,200 s by default).
    /// </summary>
    public TimeSpan BrowserTokenLifetime { get; set; } = TimeSpan.FromHours(2);

    /// <summary>Lifetime of an ID token (Auth0's application setting "ID Token Expiration", 36,000 s by default).</summary>
    public TimeSpan IdTokenLifetime { get; set; } = TimeSpan.FromHours(10);

    /// <summary>
    /// How long an authorization code may wait for its exchange. It is also single-use; RFC 6749 §4.1.2 asks for
    /// a short lifetime (10 minutes at most), and a browser exchanges it within a second.
    /// </summary>
    public TimeSpan AuthorizationCodeLifetime { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a development login (the issuer's session cookie) lasts before the login page shows again.</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>Clock for <c>iat</c>/<c>exp</c>; tests may pass a fake one.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}

/// <summary>A machine-to-machine application: its credentials, the scopes it was granted, and its API (audience).</summary>
/// <param name="Audience">The audience this client may request; <c>null</c> means <see cref="LocalIssuerOptions.Audience"/>.</param>
public sealed record LocalIssuerClient(string ClientId, string ClientSecret, IReadOnlyList<string> Scopes, string? Audience = null);

/// <summary>
/// A Single Page Application as Auth0 registers one (token endpoint authentication "None"): it signs users in
/// with the authorization code flow + PKCE and has no secret.
/// </summary>
/// <param name="ClientId">The application's client id.</param>
/// <param name="CallbackUrls">"Allowed Callback URLs": a <c>redirect_uri</c> must be one of these exactly.</param>
/// <param name="LogoutUrls">"Allowed Logout URLs": where <c>/v2/logout</c> may send the browser back to (<c>returnTo</c>).</param>
/// <param name="WebOrigins">"Allowed Web Origins": origins whose scripts may call the token endpoint (CORS).</param>
/// <param name="Scopes">API scopes this application's users may be given; other requested API scopes are dropped.</param>
/// <param name="Audience">The API it asks tokens for; <c>null</c> means <see cref="LocalIssuerOptions.Audience"/>.</param>
public sealed record LocalIssuerSpaClient(
    string ClientId,
    IReadOnlyList<string> CallbackUrls,
    IReadOnlyList<string> LogoutUrls,
    IReadOnlyList<string> WebOrigins,
    IReadOnlyList<string> Scopes,
    string? Audience = null);
