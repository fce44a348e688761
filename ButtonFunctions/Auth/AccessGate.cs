using System.Buffers;
using ButtonFunctions.Destinations;
using ButtonFunctions.Diagnostics;
using ButtonFunctions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ButtonFunctions.Auth;

/// <summary>
/// Decides, for one HTTP request to one function, whether it may run: reads the bearer token from the
/// Authorization header only, validates it, and checks the scope the function requires.
/// </summary>
internal sealed partial class AccessGate(
    AccessTokenValidator validator, IOptions<Auth0Options> options, ConfirmationRateLimiter confirmations, ILogger<AccessGate> logger)
{
    private const string BearerPrefix = "Bearer ";

    /// <summary>RFC 9110 §5.6.3 OWS: the only whitespace HTTP allows around a header's parts.</summary>
    private static readonly char[] Whitespace = [' ', '\t'];

    /// <summary>RFC 6750 §2.1 b64token: ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/", then optional "=" padding.</summary>
    private static readonly SearchValues<char> B64TokenCharacters =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/");

    private readonly Auth0Options _options = options.Value;
    private readonly LogSampler _noPolicyLog = new(LogSampler.DefaultInterval);
    private readonly LogSampler _scopeLog = new(LogSampler.DefaultInterval);

    public async ValueTask<AccessDecision> DecideAsync(string functionName, HttpRequest request, CancellationToken cancellationToken)
    {
        var access = FunctionAccessPolicy.For(functionName);
        if (access is null)
        {
            if (_noPolicyLog.ShouldLog(out var heldBack))
            {
                LogNoPolicy(logger, functionName, heldBack);
            }

            return AccessDecision.NoPolicy();
        }

        if (access == RequiredAccess.Anonymous)
        {
            return AccessDecision.Allow(null);
        }

        if (FunctionAccessPolicy.AllowsUnauthenticatedConfirmation(functionName) && DestinationConfirmationRequest.IsConfirmation(request))
        {
            // AWS sends destination confirmations without any token; the function only confirms, never stores clicks.
            // Being the one door without a lock, it gets a per-instance bound on how often it opens.
            return confirmations.TryAcquire(out var retryAfter)
                ? AccessDecision.Allow(null)
                : AccessDecision.TooManyConfirmations(retryAfter ?? RetryAfter.ConfirmationsLimited);
        }

        var authorization = request.Headers.Authorization;
        if (authorization.Count == 0)
        {
            return request.Query.ContainsKey("access_token")
                ? AccessDecision.MissingToken("Send the access token in the Authorization header; tokens in the query string are not accepted.", "token-in-query")
                : AccessDecision.MissingToken("Send an Auth0 access token as 'Authorization: Bearer <token>'.");
        }

        // In Azure this worker never sees a repeated header: the Functions host forwards each request to it through
        // an HTTP proxy that joins repeated headers into one value separated by ", " (docs/architecture.md,
        // "Azure Functions host"). Joining them the same way here makes both spellings one case.
        var value = authorization.Count == 1 ? authorization[0] ?? string.Empty : string.Join(", ", authorization.ToArray());
        if (value.Length > _options.MaxAuthorizationHeaderLength)
        {
            return AccessDecision.InvalidToken("The token is too large", "too-large");
        }

        if (HasSeveralCredentials(value))
        {
            return AccessDecision.InvalidRequest("More than one credential in the Authorization header (repeated headers arrive joined by commas)");
        }

        if (value.AsSpan().Trim(Whitespace).Equals(BearerPrefix.AsSpan().Trim(Whitespace), StringComparison.OrdinalIgnoreCase))
        {
            // "Bearer" alone (HTTP strips the trailing space of "Bearer "): a bearer attempt with an empty token.
            return AccessDecision.InvalidToken("The token is empty", "empty");
        }

        if (!value.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            // Another scheme (Basic, ...) carries no bearer credentials: RFC 6750 §3.1, no error code.
            return AccessDecision.MissingToken("Only Bearer tokens are accepted in the Authorization header.", "other-scheme");
        }

        // Only HTTP's own whitespace (SP, HTAB) around the token; the token itself must be RFC 6750's b64token.
        // .NET's Trim() would also strip Unicode spaces such as NEL (U+0085), letting a mangled header through.
        var token = value.AsSpan(BearerPrefix.Length).Trim(Whitespace);
        if (token.IsEmpty || token.TrimEnd('=').ContainsAnyExcept(B64TokenCharacters))
        {
            return AccessDecision.InvalidToken("The token is malformed", "malformed");
        }

        var check = await validator.ValidateAsync(token.ToString(), cancellationToken).ConfigureAwait(false);
        if (check.IssuerUnavailable)
        {
            return AccessDecision.IssuerUnavailable();
        }

        if (check.Caller is not { } caller)
        {
            return AccessDecision.InvalidToken(check.Failure ?? "The token is invalid", check.Reason ?? "invalid");
        }

        var scope = access == RequiredAccess.WriteScope ? _options.WriteScope : _options.ReadScope;
        if (!caller.Scopes.Contains(scope))
        {
            if (_scopeLog.ShouldLog(out var heldBack))
            {
                LogInsufficientScope(logger, caller.ClientId, functionName, scope, heldBack);
            }

            return AccessDecision.InsufficientScope(scope);
        }

        return AccessDecision.Allow(caller);
    }

    /// <summary>
    /// Whether the header holds a bearer credential next to another one: a comma outside any token (no JWT and no
    /// RFC 6750 token68 contains one) with a Bearer credential among the comma-separated parts. Other schemes' own
    /// comma-separated parameters (Digest) carry no bearer credential and stay "no token".
    /// </summary>
    internal static bool HasSeveralCredentials(string value)
    {
        if (!value.Contains(',', StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var untrimmed in value.Split(','))
        {
            var part = untrimmed.Trim(Whitespace);
            if (part.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase) || part.Equals(BearerPrefix.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    [LoggerMessage(EventId = 4121, Level = LogLevel.Error, Message = "HTTP function {FunctionName} has no entry in FunctionAccessPolicy; refusing every request to it ({HeldBack} more such requests since the previous line; at most one a minute)")]
    private static partial void LogNoPolicy(ILogger logger, string functionName, long heldBack);

    [LoggerMessage(EventId = 4122, Level = LogLevel.Information, Message = "Client {ClientId} lacks scope {Scope} for {FunctionName} ({HeldBack} more such requests since the previous line; at most one a minute)")]
    private static partial void LogInsufficientScope(ILogger logger, string clientId, string functionName, string scope, long heldBack);
}
