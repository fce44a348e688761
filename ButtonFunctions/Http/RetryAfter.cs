using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace ButtonFunctions.Http;

/// <summary>
/// The <c>Retry-After</c> advice of every retryable answer, in one place. AWS IoT retries 429/5xx at once whatever
/// the header says; other callers (the simulator, scripts, the dashboard) wait as advised.
/// </summary>
public static class RetryAfter
{
    /// <summary>The click store could not be reached in time (503).</summary>
    public static readonly TimeSpan StoreUnavailable = TimeSpan.FromSeconds(5);

    /// <summary>Cosmos DB rate limited the write and gave no hint of its own (429).</summary>
    public static readonly TimeSpan StoreThrottled = TimeSpan.FromSeconds(1);

    /// <summary>The token issuer's signing keys cannot be fetched (503 from the auth middleware).</summary>
    public static readonly TimeSpan IssuerUnavailable = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Unauthenticated destination confirmations exceeded their per-instance rate (429), when the limiter gives no
    /// time of its own (it normally says when its window ends).
    /// </summary>
    public static readonly TimeSpan ConfirmationsLimited = TimeSpan.FromSeconds(60);

    /// <summary>A dependency of <c>GET /api/health?ready</c> is down (503).</summary>
    public static readonly TimeSpan NotReady = TimeSpan.FromSeconds(10);

    /// <summary>Sets the header in whole seconds, rounded up, at least 1 (RFC 9110 §10.2.3: delay-seconds).</summary>
    public static void Set(HttpResponse response, TimeSpan delay)
    {
        ArgumentNullException.ThrowIfNull(response);
        response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(delay.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
    }
}
