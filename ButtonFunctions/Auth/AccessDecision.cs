using ButtonFunctions.Http;
using Microsoft.AspNetCore.Http;

namespace ButtonFunctions.Auth;

/// <summary>Whether a request may reach its function, and if not, the RFC 6750 refusal to send.</summary>
/// <param name="RetryAfterDelay">The <c>Retry-After</c> of a refusal the caller should retry later, if any.</param>
/// <param name="Reason">Why it was refused, from a fixed set: the <c>reason</c> tag of <c>buttonfunctions.auth.refused</c>.</param>
internal sealed record AccessDecision(
    int StatusCode, Caller? Caller, string? Challenge, string? ProblemType, string? Title, string? Detail, TimeSpan? RetryAfterDelay = null,
    string? Reason = null)
{
    private const string Realm = "ButtonFunctions";

    public bool Allowed => StatusCode == StatusCodes.Status200OK;

    public static AccessDecision Allow(Caller? caller) => new(StatusCodes.Status200OK, caller, null, null, null, null);

    /// <summary>
    /// No bearer credentials at all (no header, another scheme, token only in the query string).
    /// RFC 6750 §3.1: "If the request lacks any authentication information ... the resource server
    /// SHOULD NOT include an error code or other error information" — so the challenge has no error.
    /// </summary>
    public static AccessDecision MissingToken(string detail, string reason = "missing-token") => new(
        StatusCodes.Status401Unauthorized, null, $"Bearer realm=\"{Realm}\"",
        ProblemTypes.MissingToken, "Bearer token required", detail, Reason: reason);

    /// <summary>Expired, revoked, malformed or otherwise invalid token: 401 with <c>error="invalid_token"</c>.</summary>
    public static AccessDecision InvalidToken(string description, string reason) => new(
        StatusCodes.Status401Unauthorized, null,
        $"Bearer realm=\"{Realm}\", error=\"invalid_token\", error_description=\"{description}\"",
        ProblemTypes.InvalidToken, "Invalid access token", description, Reason: reason);

    /// <summary>Malformed request (e.g. the Authorization header repeated): 400 with <c>error="invalid_request"</c>.</summary>
    public static AccessDecision InvalidRequest(string description) => new(
        StatusCodes.Status400BadRequest, null,
        $"Bearer realm=\"{Realm}\", error=\"invalid_request\", error_description=\"{description}\"",
        ProblemTypes.InvalidAuthRequest, "Invalid authorization request", description, Reason: "several-credentials");

    /// <summary>Valid token without the scope the function needs: 403 with <c>error="insufficient_scope"</c> and the scope.</summary>
    public static AccessDecision InsufficientScope(string scope) => new(
        StatusCodes.Status403Forbidden, null,
        $"Bearer realm=\"{Realm}\", error=\"insufficient_scope\", error_description=\"The token lacks the required scope\", scope=\"{scope}\"",
        ProblemTypes.InsufficientScope, "Insufficient scope", $"This operation requires the scope {scope}.", Reason: "insufficient-scope");

    /// <summary>The issuer's keys cannot be fetched: 503 so that AWS IoT retries later.</summary>
    public static AccessDecision IssuerUnavailable() => new(
        StatusCodes.Status503ServiceUnavailable, null, null,
        ProblemTypes.IssuerUnavailable, "Token issuer unavailable", "The token issuer's signing keys could not be fetched; retry later.",
        RetryAfter.IssuerUnavailable, "issuer-unavailable");

    /// <summary>More unauthenticated destination confirmations than this instance accepts per window: 429.</summary>
    public static AccessDecision TooManyConfirmations(TimeSpan retryAfter) => new(
        StatusCodes.Status429TooManyRequests, null, null,
        ProblemTypes.TooManyConfirmations, "Too many destination confirmations",
        "This instance accepts only a few destination confirmation requests per window; retry after the Retry-After delay, or confirm with the AWS CLI.",
        retryAfter, "too-many-confirmations");

    /// <summary>An HTTP function with no entry in <see cref="FunctionAccessPolicy"/>: refused, never run unprotected.</summary>
    public static AccessDecision NoPolicy() => new(
        StatusCodes.Status500InternalServerError, null, null,
        ProblemTypes.NoAccessPolicy, "No access policy", "This function has no access policy.", Reason: "no-policy");

    /// <summary>Writes the refusal: status, WWW-Authenticate, and an application/problem+json body.</summary>
    public async Task WriteAsync(HttpContext http)
    {
        var response = http.Response;
        response.StatusCode = StatusCode;
        if (Challenge is not null)
        {
            response.Headers.WWWAuthenticate = Challenge;
        }

        if (RetryAfterDelay is { } delay)
        {
            RetryAfter.Set(response, delay);
        }

        response.Headers.CacheControl = "no-store";
        await Problems.WriteAsync(http, Problems.Create(StatusCode, ProblemType!, Title!, Detail!)).ConfigureAwait(false);
    }
}
