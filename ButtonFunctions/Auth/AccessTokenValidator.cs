using ButtonFunctions.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace ButtonFunctions.Auth;

/// <summary>Outcome of checking one access token.</summary>
/// <param name="Reason">Why it failed, from a fixed set (a metric tag; <paramref name="Failure"/> is the text for the sender).</param>
internal readonly record struct TokenCheck(Caller? Caller, string? Failure, bool IssuerUnavailable = false, string? Reason = null)
{
    public bool IsValid => Caller is not null;

    public static TokenCheck Valid(Caller caller) => new(caller, null);

    public static TokenCheck Invalid(string description, string reason) => new(null, description, Reason: reason);
}

/// <summary>
/// Validates Auth0 access tokens with <see cref="JsonWebTokenHandler"/>: RS256 only, a <c>kid</c> that
/// is in the issuer's JWKS, <c>exp</c> required, exact issuer and audience; then extracts the caller.
/// Tokens that pass are remembered in <see cref="ValidatedTokenCache"/>.
/// </summary>
internal sealed partial class AccessTokenValidator
{
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly Auth0Options _options;
    private readonly IssuerMetadata _metadata;
    private readonly ValidatedTokenCache _cache;
    private readonly TimeProvider _time;
    private readonly ILogger<AccessTokenValidator> _logger;
    private readonly HashSet<string> _allowedClients;
    private readonly LogSampler _refusedLog;
    private readonly LogSampler _clientLog;
    private readonly LogSampler _metadataLog;

    public AccessTokenValidator(IOptions<Auth0Options> options, IssuerMetadata metadata, ValidatedTokenCache cache, TimeProvider time, ILogger<AccessTokenValidator> logger)
    {
        _options = options.Value;
        _metadata = metadata;
        _cache = cache;
        _time = time;
        _logger = logger;
        _allowedClients = new HashSet<string>(_options.AllowedClientIds, StringComparer.Ordinal);
        _refusedLog = new LogSampler(LogSampler.DefaultInterval, time);
        _clientLog = new LogSampler(LogSampler.DefaultInterval, time);
        _metadataLog = new LogSampler(LogSampler.DefaultInterval, time);
    }

    public async ValueTask<TokenCheck> ValidateAsync(string token, CancellationToken cancellationToken)
    {
        var key = ValidatedTokenCache.KeyFor(token);
        if (_cache.TryGet(key, out var cached))
        {
            AppMetrics.TokenCacheHits.Add(1);
            return TokenCheck.Valid(cached);
        }

        AppMetrics.TokenCacheMisses.Add(1);

        OpenIdConnectConfiguration metadata;
        try
        {
            metadata = await _metadata.GetAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidOperationException ex)
        {
            if (_metadataLog.ShouldLog(out var heldBack))
            {
                LogMetadataUnavailable(_logger, _metadata.Authority, heldBack, ex);
            }

            return new TokenCheck(null, "The token issuer's signing keys are unavailable", IssuerUnavailable: true, Reason: "issuer-unavailable");
        }

        var result = await _handler.ValidateTokenAsync(token, ParametersFor(metadata)).ConfigureAwait(false);
        if (!result.IsValid && result.Exception is SecurityTokenSignatureKeyNotFoundException)
        {
            var refreshed = await _metadata.RefreshForUnknownKeyAsync(metadata, cancellationToken).ConfigureAwait(false);
            if (refreshed is not null)
            {
                result = await _handler.ValidateTokenAsync(token, ParametersFor(refreshed)).ConfigureAwait(false);
            }
        }

        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt)
        {
            var description = Describe(result.Exception);
            if (_logger.IsEnabled(LogLevel.Information) && _refusedLog.ShouldLog(out var heldBack))
            {
                var exceptionType = result.Exception?.GetType().Name ?? "none";
                LogRefused(_logger, description, exceptionType, heldBack);
            }

            return TokenCheck.Invalid(description, ReasonOf(result.Exception));
        }

        // JsonWebTokenHandler ignores "crit"; RFC 7515 §4.1.11 says a JWS whose crit lists extensions the
        // recipient does not understand MUST be rejected. We understand none (e.g. b64=false would change
        // what the signature covers), so any crit refuses the token, before it can be cached.
        if (jwt.TryGetHeaderValue<object>("crit", out _))
        {
            if (_refusedLog.ShouldLog(out var heldBack))
            {
                LogRefused(_logger, "critical header extension", "none", heldBack);
            }

            return TokenCheck.Invalid("The token requires header extensions that are not supported", "critical-header");
        }

        var clientId = ClientIdOf(jwt);
        if (clientId is null)
        {
            if (_refusedLog.ShouldLog(out var heldBack))
            {
                LogRefused(_logger, "no client id", "none", heldBack);
            }

            return TokenCheck.Invalid("The token names no client (azp or sub)", "no-client");
        }

        if (_allowedClients.Count > 0 && !_allowedClients.Contains(clientId))
        {
            if (_clientLog.ShouldLog(out var heldBack))
            {
                LogClientNotAllowed(_logger, clientId, heldBack);
            }

            return TokenCheck.Invalid("The token's client is not allowed to use this API", "client-not-allowed");
        }

        var caller = new Caller(clientId, ScopesOf(jwt));
        _cache.Add(key, caller, new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero));
        return TokenCheck.Valid(caller);
    }

    private TokenValidationParameters ParametersFor(OpenIdConnectConfiguration metadata) => new()
    {
        ValidIssuer = _metadata.Authority,
        ValidateIssuer = true,
        ValidAudience = _options.Audience,
        ValidateAudience = true,
        RequireAudience = true,
        IgnoreTrailingSlashWhenValidatingAudience = false,
        ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
        IssuerSigningKeys = metadata.SigningKeys,
        // Only the key the token names: trying every key would mask a forged or missing kid.
        TryAllIssuerSigningKeys = false,
        RequireSignedTokens = true,
        RequireExpirationTime = true,
        ValidateLifetime = true,
        ClockSkew = _options.ClockSkew,
        ValidateTokenReplay = false,
        SaveSigninToken = false,
        IncludeTokenOnFailedValidation = false,
        LogValidationExceptions = false,
    };

    private static string? ClientIdOf(JsonWebToken jwt)
    {
        if (jwt.TryGetPayloadValue<string>("azp", out var azp) && !string.IsNullOrEmpty(azp))
        {
            return azp;
        }

        var sub = jwt.Subject;
        if (string.IsNullOrEmpty(sub))
        {
            return null;
        }

        return sub.EndsWith("@clients", StringComparison.Ordinal) ? sub[..^"@clients".Length] : sub;
    }

    /// <summary>Scopes from <c>scope</c> (space separated) and <c>permissions</c> (array, when Auth0 RBAC is on).</summary>
    private static HashSet<string> ScopesOf(JsonWebToken jwt)
    {
        var scopes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var claim in jwt.Claims)
        {
            if (claim.Type == "scope")
            {
                foreach (var scope in claim.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    scopes.Add(scope);
                }
            }
            else if (claim.Type == "permissions" && claim.Value.Length > 0)
            {
                scopes.Add(claim.Value);
            }
        }

        return scopes;
    }

    /// <summary>A short, fixed description for WWW-Authenticate (RFC 6750 error_description: no quotes or backslashes).</summary>
    private static string Describe(Exception? exception) => exception switch
    {
        SecurityTokenExpiredException => "The token has expired",
        SecurityTokenNotYetValidException => "The token is not valid yet",
        SecurityTokenNoExpirationException => "The token has no expiry",
        SecurityTokenInvalidLifetimeException => "The token lifetime is invalid",
        SecurityTokenInvalidIssuerException => "The token issuer is not accepted",
        SecurityTokenInvalidAudienceException => "The token audience is not accepted",
        SecurityTokenInvalidAlgorithmException => "The token signing algorithm is not accepted",
        SecurityTokenSignatureKeyNotFoundException => "The token signing key is not known",
        SecurityTokenInvalidSignatureException => "The token signature is invalid",
        SecurityTokenMalformedException => "The token is malformed",
        ArgumentException => "The token is malformed",
        _ => "The token is invalid",
    };

    /// <summary>The <c>reason</c> tag of a refused token: a fixed set, one per case of <see cref="Describe"/>.</summary>
    private static string ReasonOf(Exception? exception) => exception switch
    {
        SecurityTokenExpiredException => "expired",
        SecurityTokenNotYetValidException => "not-yet-valid",
        SecurityTokenNoExpirationException => "no-expiry",
        SecurityTokenInvalidLifetimeException => "invalid-lifetime",
        SecurityTokenInvalidIssuerException => "wrong-issuer",
        SecurityTokenInvalidAudienceException => "wrong-audience",
        SecurityTokenInvalidAlgorithmException => "wrong-algorithm",
        SecurityTokenSignatureKeyNotFoundException => "unknown-key",
        SecurityTokenInvalidSignatureException => "bad-signature",
        SecurityTokenMalformedException or ArgumentException => "malformed",
        _ => "invalid",
    };

    [LoggerMessage(EventId = 4111, Level = LogLevel.Information, Message = "Access token refused: {Reason} ({ExceptionType}) ({HeldBack} more refused tokens since the previous line; at most one a minute)")]
    private static partial void LogRefused(ILogger logger, string reason, string exceptionType, long heldBack);

    [LoggerMessage(EventId = 4112, Level = LogLevel.Warning, Message = "Access token for client {ClientId} refused: client not in Auth0:AllowedClientIds ({HeldBack} more since the previous line; at most one a minute)")]
    private static partial void LogClientNotAllowed(ILogger logger, string clientId, long heldBack);

    [LoggerMessage(EventId = 4113, Level = LogLevel.Error, Message = "Signing keys of issuer {Authority} could not be fetched ({HeldBack} more failed requests since the previous line; at most one a minute)")]
    private static partial void LogMetadataUnavailable(ILogger logger, string authority, long heldBack, Exception exception);
}
