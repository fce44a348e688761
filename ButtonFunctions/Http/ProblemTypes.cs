using System.Collections.Frozen;
using System.Reflection;

namespace ButtonFunctions.Http;

/// <summary>
/// Every problem+json <c>type</c> this app returns, defined once. URNs, because each names a stable kind of error
/// without promising a web page behind it; senders may branch on them.
/// </summary>
public static class ProblemTypes
{
    public const string Prefix = "urn:buttonfunctions:problem:";

    private static readonly FrozenDictionary<string, string> Names = typeof(ProblemTypes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.Name != nameof(Prefix))
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToFrozenDictionary(t => t, t => t[Prefix.Length..], StringComparer.Ordinal);

    /// <summary>The name part of one of these types (<c>invalid-json</c>), without allocating: a metric tag value.</summary>
    public static string NameOf(string type) => Names.TryGetValue(type, out var name) ? name : "other";

    // POST /api/clicks: the request as a whole.
    public const string UnsupportedMediaType = Prefix + "unsupported-media-type";
    public const string BodyTooLarge = Prefix + "body-too-large";

    /// <summary>The body ended before its declared length, or its framing was broken (Kestrel's 400).</summary>
    public const string IncompleteBody = Prefix + "incomplete-body";

    /// <summary>The body arrived too slowly (Kestrel's minimum data rate, its 408).</summary>
    public const string BodyTimeout = Prefix + "body-timeout";
    public const string EmptyBody = Prefix + "empty-body";
    public const string InvalidJson = Prefix + "invalid-json";
    public const string UnsupportedPayload = Prefix + "unsupported-payload";
    public const string TooManyClicks = Prefix + "too-many-clicks";

    // POST /api/clicks: single clicks, and the store.
    public const string InvalidClicks = Prefix + "invalid-clicks";
    public const string StoreThrottled = Prefix + "store-throttled";
    public const string StoreUnavailable = Prefix + "store-unavailable";
    public const string StoreError = Prefix + "store-error";

    // GET /api/clicks and GET /api/clicks/summary (the store ones above too).
    public const string InvalidQuery = Prefix + "invalid-query";

    // AWS IoT topic rule destination confirmations (POST /api/clicks without a token).
    public const string InvalidDestinationConfirmation = Prefix + "invalid-destination-confirmation";

    /// <summary>More unauthenticated confirmation requests than <c>Destinations:ConfirmationPermitLimit</c> per window (429).</summary>
    public const string TooManyConfirmations = Prefix + "too-many-confirmations";

    // Written by the auth middleware before any function runs.
    public const string MissingToken = Prefix + "missing-token";
    public const string InvalidToken = Prefix + "invalid-token";
    public const string InvalidAuthRequest = Prefix + "invalid-auth-request";
    public const string InsufficientScope = Prefix + "insufficient-scope";
    public const string IssuerUnavailable = Prefix + "issuer-unavailable";
    public const string NoAccessPolicy = Prefix + "no-access-policy";
}
