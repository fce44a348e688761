using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace LocalIssuer;

/// <summary>
/// An Auth0-shaped OAuth 2.0 issuer on 127.0.0.1: OIDC discovery, JWKS, client-credentials tokens
/// (RS256, <c>kid</c>, <c>iss</c> with trailing slash, <c>sub = client@clients</c>, <c>azp</c>,
/// <c>gty</c>, <c>scope</c>) created with Microsoft.IdentityModel, and for Single Page Applications the
/// authorization code flow with PKCE behind a development login page (see <see cref="BrowserLogin"/>).
/// </summary>
public sealed class LocalIssuerServer : IAsyncDisposable
{
    private static readonly string[] GrantTypes = ["client_credentials", "authorization_code"];
    private static readonly string[] AuthMethods = ["client_secret_post", "client_secret_basic", "none"];
    private static readonly string[] SigningAlgorithms = [SecurityAlgorithms.RsaSha256];
    private static readonly string[] ResponseTypes = ["code"];
    private static readonly string[] ResponseModes = ["query", "fragment"];
    private static readonly string[] CodeChallengeMethods = ["S256"];
    private static readonly string[] SubjectTypes = ["public"];
    private static readonly string[] OidcScopes = ["openid", "profile", "email"];
    private static readonly string[] Claims = ["aud", "auth_time", "email", "exp", "iat", "iss", "name", "nickname", "nonce", "sub"];

    /// <summary>Request headers a browser may send to the token endpoint (auth0-spa-js adds <c>Auth0-Client</c>).</summary>
    private static readonly string[] CorsRequestHeaders = ["content-type", "auth0-client"];

    private readonly WebApplication _app;
    private readonly LocalIssuerOptions _options;
    private readonly SigningKeyRing _keys = new();
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };
    private readonly BrowserLogin _browser;
    private int _discoveryRequests;
    private int _jwksRequests;

    private LocalIssuerServer(WebApplication app, LocalIssuerOptions options)
    {
        _app = app;
        _options = options;
        _browser = new BrowserLogin(options);
        Authority = new Uri("http://127.0.0.1/");
    }

    /// <summary>The issuer (<c>iss</c>), with its trailing slash: <c>http://127.0.0.1:&lt;port&gt;/</c>.</summary>
    public Uri Authority { get; private set; }

    /// <summary>How often <c>/.well-known/openid-configuration</c> was fetched.</summary>
    public int DiscoveryRequestCount => Volatile.Read(ref _discoveryRequests);

    /// <summary>How often <c>/.well-known/jwks.json</c> was fetched.</summary>
    public int JwksRequestCount => Volatile.Read(ref _jwksRequests);

    /// <summary>The key currently signing tokens (its <c>KeyId</c> is the <c>kid</c>), for tests that craft special tokens.</summary>
    public SigningCredentials CurrentSigningCredentials => _keys.CurrentCredentials;

    public static async Task<LocalIssuerServer> StartAsync(LocalIssuerOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // A failed start (a busy port) surfaces as the exception StartAsync throws; the host's own log line of it
        // would only repeat it, with a stack trace, in front of the caller's one-line message.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.None);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, options.Port));
        var app = builder.Build();
        var server = new LocalIssuerServer(app, options);
        server.MapEndpoints();
        await app.StartAsync(ct).ConfigureAwait(false);

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Authority = new Uri($"http://127.0.0.1:{new Uri(address).Port}/");
        return server;
    }

    /// <summary>
    /// Adds (or replaces) a Single Page Application while the issuer runs, e.g. once the app's port is known.
    /// </summary>
    public void RegisterSpaClient(LocalIssuerSpaClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        _browser.Register(client);
    }

    /// <summary>Starts signing with the already-published next key and publishes a new next key.</summary>
    public void Rotate() => _keys.Rotate();

    /// <summary>What <c>POST /oauth/token</c> answers for valid client credentials.</summary>
    public Task<string> IssueTokenAsync(string clientId, string clientSecret, string? audience = null)
    {
        var outcome = Issue(new TokenRequest("client_credentials", clientId, clientSecret, audience, null));
        return outcome.Token is { } token
            ? Task.FromResult(token)
            : Task.FromException<string>(new InvalidOperationException($"{outcome.Error}: {outcome.Description}"));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync().ConfigureAwait(false);
        _keys.Dispose();
    }

    private void MapEndpoints()
    {
        _app.MapGet("/.well-known/openid-configuration", (HttpContext context) =>
        {
            Interlocked.Increment(ref _discoveryRequests);
            var issuer = Authority.AbsoluteUri;
            // Public documents: any origin's script may read them (what a browser OIDC client fetches first).
            context.Response.Headers.AccessControlAllowOrigin = "*";
            // Only what this issuer implements: no userinfo, and no end_session_endpoint (logout is Auth0's
            // /v2/logout, which auth0-spa-js calls without reading discovery).
            return Results.Json(new Dictionary<string, object>
            {
                ["issuer"] = issuer,
                ["authorization_endpoint"] = issuer + "authorize",
                ["token_endpoint"] = issuer + "oauth/token",
                ["jwks_uri"] = issuer + ".well-known/jwks.json",
                ["grant_types_supported"] = GrantTypes,
                ["response_types_supported"] = ResponseTypes,
                ["response_modes_supported"] = ResponseModes,
                ["code_challenge_methods_supported"] = CodeChallengeMethods,
                ["scopes_supported"] = OidcScopes,
                ["claims_supported"] = Claims,
                ["token_endpoint_auth_methods_supported"] = AuthMethods,
                ["id_token_signing_alg_values_supported"] = SigningAlgorithms,
                ["subject_types_supported"] = SubjectTypes,
            });
        });

        _app.MapGet("/.well-known/jwks.json", (HttpContext context) =>
        {
            Interlocked.Increment(ref _jwksRequests);
            context.Response.Headers.AccessControlAllowOrigin = "*";
            return Results.Json(_keys.Jwks());
        });

        _app.MapGet("/authorize", (HttpContext context) => _browser.Authorize(context));
        _app.MapGet("/u/login", (HttpContext context) => _browser.LoginPage(context));
        // A typed delegate, not a RequestDelegate: the IResult it answers must be executed, not discarded.
        _app.MapPost("/u/login", (Func<HttpContext, Task<IResult>>)_browser.SubmitLogin);
        _app.MapGet("/v2/logout", (HttpContext context) => _browser.Logout(context));

        // CORS preflight for the token endpoint: allowed for the registered applications' Allowed Web Origins.
        _app.MapMethods("/oauth/token", ["OPTIONS"], (HttpContext context) =>
        {
            var origin = context.Request.Headers.Origin.ToString();
            var asked = context.Request.Headers.AccessControlRequestHeaders.ToString()
                .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            context.Response.Headers.Vary = "Origin";
            if (origin.Length == 0 || !_browser.IsWebOrigin(origin)
                || context.Request.Headers.AccessControlRequestMethod != "POST"
                || !asked.All(h => CorsRequestHeaders.Contains(h, StringComparer.OrdinalIgnoreCase)))
            {
                return Results.StatusCode(StatusCodes.Status403Forbidden);
            }

            context.Response.Headers.AccessControlAllowOrigin = origin;
            context.Response.Headers.AccessControlAllowMethods = "POST";
            context.Response.Headers.AccessControlAllowHeaders = string.Join(", ", CorsRequestHeaders);
            context.Response.Headers.AccessControlMaxAge = "86400";
            return Results.NoContent();
        });

        _app.MapPost("/oauth/token", async (HttpRequest request) =>
        {
            // RFC 6749 §5.1: token responses MUST NOT be cached (set for errors too; harmless there).
            request.HttpContext.Response.Headers.CacheControl = "no-store";
            var tokenRequest = await TokenRequest.ReadAsync(request).ConfigureAwait(false);
            if (tokenRequest is null)
            {
                return Error(StatusCodes.Status400BadRequest, "invalid_request", "Request body must be application/x-www-form-urlencoded or application/json");
            }

            if (tokenRequest.GrantType == "authorization_code")
            {
                AllowWebOrigin(request, tokenRequest.ClientId);
                return ExchangeCode(tokenRequest);
            }

            var outcome = Issue(tokenRequest);
            if (outcome.Token is null)
            {
                if (outcome.Status == StatusCodes.Status401Unauthorized && request.Headers.Authorization.ToString().StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
                {
                    // RFC 6749 §5.2: client authentication via the Authorization header failed → challenge for that scheme.
                    request.HttpContext.Response.Headers.WWWAuthenticate = "Basic realm=\"LocalIssuer\"";
                }

                return Error(outcome.Status, outcome.Error!, outcome.Description!);
            }

            return Results.Json(new Dictionary<string, object>
            {
                ["access_token"] = outcome.Token,
                ["scope"] = outcome.Scope!,
                ["expires_in"] = (int)_options.TokenLifetime.TotalSeconds,
                ["token_type"] = "Bearer",
            });
        });

        _app.MapPost("/rotate", () =>
        {
            Rotate();
            return Results.Json(new { kid = _keys.CurrentCredentials.Key.KeyId });
        });
    }

    private static IResult Error(int status, string error, string description) =>
        Results.Json(new { error, error_description = description }, statusCode: status);

    private IssueOutcome Issue(TokenRequest request)
    {
        if (string.IsNullOrEmpty(request.GrantType))
        {
            return IssueOutcome.Fail(StatusCodes.Status400BadRequest, "invalid_request", "Missing required parameter: grant_type");
        }

        if (request.GrantType != "client_credentials")
        {
            return IssueOutcome.Fail(StatusCodes.Status403Forbidden, "unsupported_grant_type", $"Unsupported grant type: {request.GrantType}");
        }

        if (string.IsNullOrEmpty(request.ClientId))
        {
            return IssueOutcome.Fail(StatusCodes.Status401Unauthorized, "access_denied", "Unauthorized");
        }

        var client = _options.Clients.Find(c => c.ClientId == request.ClientId);
        if (client is null || !SecretMatches(client.ClientSecret, request.ClientSecret))
        {
            return IssueOutcome.Fail(StatusCodes.Status401Unauthorized, "invalid_client", "Client authentication failed");
        }

        var clientAudience = client.Audience ?? _options.Audience;
        var audience = string.IsNullOrEmpty(request.Audience) ? _options.Audience : request.Audience;
        if (audience != clientAudience)
        {
            return IssueOutcome.Fail(StatusCodes.Status403Forbidden, "access_denied",
                $"Client is not authorized to access \"{audience}\". You need to create a \"client-grant\" associated to this API.");
        }

        // Like Auth0: a requested scope narrows the grant; asking for a scope the client was not granted is
        // refused (403 access_denied naming them), not silently dropped.
        IEnumerable<string> scopes = client.Scopes;
        if (!string.IsNullOrWhiteSpace(request.Scope))
        {
            var requested = request.Scope.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var notGranted = requested.Where(s => !client.Scopes.Contains(s)).Distinct().ToList();
            if (notGranted.Count > 0)
            {
                return IssueOutcome.Fail(StatusCodes.Status403Forbidden, "access_denied",
                    $"Client has not been granted scopes: {string.Join(' ', notGranted)}");
            }

            scopes = client.Scopes.Where(requested.Contains);
        }

        var scope = string.Join(' ', scopes);
        var now = _options.TimeProvider.GetUtcNow().UtcDateTime;
        var claims = new Dictionary<string, object>
        {
            ["sub"] = client.ClientId + "@clients",
            ["azp"] = client.ClientId,
            ["gty"] = "client-credentials",
        };
        if (scope.Length > 0)
        {
            claims["scope"] = scope;
        }

        var token = _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Authority.AbsoluteUri,
            Audience = audience,
            IssuedAt = now,
            Expires = now + _options.TokenLifetime,
            Claims = claims,
            SigningCredentials = _keys.CurrentCredentials,
        });
        return new IssueOutcome(StatusCodes.Status200OK, token, scope, null, null);
    }

    /// <summary>Lets the page read the answer when its origin is one of the client's Allowed Web Origins (CORS).</summary>
    private void AllowWebOrigin(HttpRequest request, string? clientId)
    {
        var origin = request.Headers.Origin.ToString();
        request.HttpContext.Response.Headers.Vary = "Origin";
        if (origin.Length > 0 && _browser.Client(clientId) is { } client && client.WebOrigins.Contains(origin, StringComparer.Ordinal))
        {
            request.HttpContext.Response.Headers.AccessControlAllowOrigin = origin;
        }
    }

    /// <summary>
    /// <c>grant_type=authorization_code</c> for a Single Page Application: the code is single-use and short-lived, it
    /// must come back with the same client and redirect_uri, and SHA-256 of the verifier must be the challenge (RFC 7636).
    /// Error codes and descriptions are Auth0's (403 <c>invalid_grant</c>).
    /// </summary>
    private IResult ExchangeCode(TokenRequest request)
    {
        if (string.IsNullOrEmpty(request.ClientId))
        {
            return Error(StatusCodes.Status401Unauthorized, "access_denied", "Unauthorized");
        }

        var client = _browser.Client(request.ClientId);
        if (client is null)
        {
            return Error(StatusCodes.Status401Unauthorized, "invalid_client", "Client authentication failed");
        }

        if (string.IsNullOrEmpty(request.Code))
        {
            return Error(StatusCodes.Status400BadRequest, "invalid_request", "Missing required parameter: code");
        }

        if (string.IsNullOrEmpty(request.CodeVerifier))
        {
            return Error(StatusCodes.Status400BadRequest, "invalid_request", "Missing required parameter: code_verifier");
        }

        // Redeemed before any other check: a code that met a wrong verifier or redirect_uri is burnt too, so
        // whoever intercepted it gets exactly one guess.
        var issued = _browser.Redeem(request.Code);
        if (issued is null || issued.Request.ClientId != client.ClientId)
        {
            return Error(StatusCodes.Status403Forbidden, "invalid_grant", "Invalid authorization code");
        }

        if (request.RedirectUri != issued.Request.RedirectUri)
        {
            return Error(StatusCodes.Status403Forbidden, "invalid_grant", "Redirect URI mismatch: it must be the redirect_uri of the authorization request");
        }

        if (!BrowserLogin.IsValidVerifier(request.CodeVerifier) || !BrowserLogin.VerifierMatches(request.CodeVerifier, issued.Request.CodeChallenge))
        {
            return Error(StatusCodes.Status403Forbidden, "invalid_grant", "Failed to verify code verifier");
        }

        var now = _options.TimeProvider.GetUtcNow().UtcDateTime;
        var issuer = Authority.AbsoluteUri;
        var subject = "local|" + issued.UserName;
        var scopes = issued.Request.Scope.Split(' ');
        // As Auth0: with openid the access token is also good for /userinfo, so its aud is [API, issuer/userinfo].
        var accessToken = _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            IssuedAt = now,
            Expires = now + _options.BrowserTokenLifetime,
            Claims = new Dictionary<string, object>
            {
                ["sub"] = subject,
                ["aud"] = new[] { issued.Request.Audience, issuer + "userinfo" },
                ["azp"] = client.ClientId,
                ["scope"] = issued.Request.Scope,
            },
            SigningCredentials = _keys.CurrentCredentials,
        });

        var idClaims = new Dictionary<string, object>
        {
            ["sub"] = subject,
            ["aud"] = client.ClientId,
            ["auth_time"] = issued.AuthTime.ToUnixTimeSeconds(),
            ["sid"] = Base64UrlEncoder.Encode(SHA256.HashData(Encoding.UTF8.GetBytes(subject + issued.AuthTime.ToUnixTimeMilliseconds())))[..22],
        };
        if (issued.Request.Nonce is { } nonce)
        {
            idClaims["nonce"] = nonce;
        }

        if (scopes.Contains("profile"))
        {
            idClaims["name"] = issued.UserName;
            idClaims["nickname"] = issued.UserName;
        }

        if (scopes.Contains("email"))
        {
            idClaims["email"] = issued.UserName.Contains('@', StringComparison.Ordinal) ? issued.UserName : issued.UserName + "@buttonfunctions.local";
            idClaims["email_verified"] = false;
        }

        var idToken = _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            IssuedAt = now,
            Expires = now + _options.IdTokenLifetime,
            Claims = idClaims,
            SigningCredentials = _keys.CurrentCredentials,
        });

        return Results.Json(new Dictionary<string, object>
        {
            ["access_token"] = accessToken,
            ["id_token"] = idToken,
            ["scope"] = issued.Request.Scope,
            ["expires_in"] = (int)_options.BrowserTokenLifetime.TotalSeconds,
            ["token_type"] = "Bearer",
        });
    }

    private static bool SecretMatches(string expected, string? given) =>
        given is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(given));

    private sealed record IssueOutcome(int Status, string? Token, string? Scope, string? Error, string? Description)
    {
        public static IssueOutcome Fail(int status, string error, string description) => new(status, null, null, error, description);
    }

    /// <summary>The token request as Auth0 accepts it: form or JSON body, client credentials in the body or via HTTP Basic.</summary>
    private sealed record TokenRequest(
        string? GrantType, string? ClientId, string? ClientSecret, string? Audience, string? Scope,
        string? Code = null, string? CodeVerifier = null, string? RedirectUri = null)
    {
        public static async Task<TokenRequest?> ReadAsync(HttpRequest request)
        {
            Dictionary<string, string?> fields;
            if (request.HasFormContentType)
            {
                var form = await request.ReadFormAsync().ConfigureAwait(false);
                fields = form.ToDictionary(f => f.Key, f => (string?)f.Value.ToString(), StringComparer.Ordinal);
            }
            else if (request.HasJsonContentType())
            {
                try
                {
                    using var document = await JsonDocument.ParseAsync(request.Body).ConfigureAwait(false);
                    if (document.RootElement.ValueKind != JsonValueKind.Object)
                    {
                        return null;
                    }

                    fields = document.RootElement.EnumerateObject()
                        .Where(p => p.Value.ValueKind == JsonValueKind.String)
                        .ToDictionary(p => p.Name, p => p.Value.GetString(), StringComparer.Ordinal);
                }
                catch (JsonException)
                {
                    return null;
                }
            }
            else
            {
                return null;
            }

            fields.TryGetValue("client_id", out var clientId);
            fields.TryGetValue("client_secret", out var clientSecret);
            if (BasicCredentials(request) is var (basicId, basicSecret))
            {
                clientId = basicId;
                clientSecret = basicSecret;
            }

            return new TokenRequest(fields.GetValueOrDefault("grant_type"), clientId, clientSecret, fields.GetValueOrDefault("audience"),
                fields.GetValueOrDefault("scope"), fields.GetValueOrDefault("code"), fields.GetValueOrDefault("code_verifier"),
                fields.GetValueOrDefault("redirect_uri"));
        }

        private static (string Id, string Secret)? BasicCredentials(HttpRequest request)
        {
            var header = request.Headers.Authorization.ToString();
            if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }

            try
            {
                var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..].Trim()));
                var colon = decoded.IndexOf(':', StringComparison.Ordinal);
                // RFC 6749 §2.3.1: both parts are form-urlencoded before Basic encoding.
                return colon < 0 ? null : (Uri.UnescapeDataString(decoded[..colon]), Uri.UnescapeDataString(decoded[(colon + 1)..]));
            }
            catch (FormatException)
            {
                return null;
            }
        }
    }
}
