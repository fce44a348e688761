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

    /// <summary>Clock for <c>iat</c>/<c>exp</c>; tests may pass a fake one.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}

/// <summary>A machine-to-machine application: its credentials, the scopes it was granted, and its API (audience).</summary>
/// <param name="Audience">The audience this client may request; <c>null</c> means <see cref="LocalIssuerOptions.Audience"/>.</param>
public sealed record LocalIssuerClient(string ClientId, string ClientSecret, IReadOnlyList<string> Scopes, string? Audience = null);
