using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace ButtonFunctions.Auth;

/// <summary>Outcome of checking one access token.</summary>
internal readonly record struct TokenCheck(Caller? Caller, string? Failure, bool IssuerUnavailable = false)
{
    public bool IsValid => Caller is not null;

    public static TokenCheck Valid(Caller caller) => new(caller, null);

    public static TokenCheck Invalid(string description) => new(null, description);
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

    public AccessTokenValidator(IOptions<Auth0Options> options, IssuerMetadata metadata, ValidatedTokenCache cache, TimeProvider time, ILogger<AccessTokenValidator> logger)
    {
        _options = options.Value;
        _metadata = metadata;
        _cache = cache;
        _time = time;
        _logger = logger;
        _allowedClients = new HashSet<string>(_options.AllowedClientIds, StringComparer.Ordinal);
    }

    public async ValueTask<TokenCheck> ValidateAsync(string token, CancellationToken cancellationToken)
    {
        var key = ValidatedTokenCache.KeyFor(token);
        if (_cache.TryGet(key, out var cached))
        {
            return TokenCheck.Valid(cached);
        }

        OpenIdConnectConfiguration metadata;
        try
        {
            metadata = await _metadata.GetAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidOperationException ex)
        {
            LogMetadataUnavailable(_logger, _metadata.Authority, ex);
            return new TokenCheck(null, "The token issuer's signing keys are unavailable", IssuerUnavailable: true);
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
            if (_logger.IsEnabled(LogLevel.Information))
            {
                var exceptionType = result.Exception?.GetType().Name ?? "none";
                LogRefused(_logger, description, exceptionType);
            }

            return TokenCheck.Invalid(description);
        }

        // JsonWebTokenHandler ignores "crit"; RFC 7515 §4.1.11 says a JWS whose crit lists extensions the
        // recipient does not understand MUST be rejected. We understand none (e.g. b64=false would change
        // what the signature covers), so any crit refuses the token, before it can be cached.
        if (jwt.TryGetHeaderValue<object>("crit", out _))
        {
            LogRefused(_logger, "critical header extension", "none");
            return TokenCheck.Invalid("The token requires header extensions that are not supported");
        }

        var clientId = ClientIdOf(jwt);
        if (clientId is null)
        {
            LogRefused(_logger, "no client id", "none");
            return TokenCheck.Invalid("The token names no client (azp or sub)");
        }

        if (_allowedClients.Count > 0 && !_allowedClients.Contains(clientId))
        {
            LogClientNotAllowed(_logger, clientId);
            return TokenCheck.Invalid("The token's client is not allowed to use this API");
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

    [LoggerMessage(EventId = 4111, Level = LogLevel.Information, Message = "Access token refused: {Reason} ({ExceptionType})")]
    private static partial void LogRefused(ILogger logger, string reason, string exceptionType);

    [LoggerMessage(EventId = 4112, Level = LogLevel.Warning, Message = "Access token for client {ClientId} refused: client not in Auth0:AllowedClientIds")]
    private static partial void LogClientNotAllowed(ILogger logger, string clientId);

    [LoggerMessage(EventId = 4113, Level = LogLevel.Error, Message = "Signing keys of issuer {Authority} could not be fetched")]
    private static partial void LogMetadataUnavailable(ILogger logger, string authority, Exception exception);
}
