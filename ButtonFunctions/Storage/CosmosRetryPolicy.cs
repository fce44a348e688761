using System.Globalization;
using System.Text.RegularExpressions;

namespace ButtonFunctions.Storage;

/// <summary>
/// How Cosmos DB for MongoDB rate limiting is recognised and waited out (docs/architecture.md, "Cosmos DB for MongoDB"). The driver
/// never retries these itself.
/// </summary>
internal static partial class CosmosRetryPolicy
{
    /// <summary>TooManyRequests: the request-unit budget is exhausted; the message usually says when to retry.</summary>
    public const int TooManyRequests = 16500;

    /// <summary>ExceededTimeLimit: what Cosmos returns once its own server-side retries (up to 60 s) ran out.</summary>
    public const int ExceededTimeLimit = 50;

    public const int DuplicateKey = 11000;

    private static readonly TimeSpan BackoffBase = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan BackoffCap = TimeSpan.FromSeconds(1);

    public static bool IsThrottle(int code) => code is TooManyRequests or ExceededTimeLimit;

    /// <summary>The <c>RetryAfterMs=&lt;n&gt;</c> hint of a 16500 message, when there is one.</summary>
    public static TimeSpan? RetryAfterFromMessage(string? message)
    {
        if (message is null)
        {
            return null;
        }

        var match = RetryAfterPattern().Match(message);
        return match.Success && long.TryParse(match.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            ? TimeSpan.FromMilliseconds(Math.Min(ms, 60_000))
            : null;
    }

    /// <summary>Exponential backoff with "equal jitter": half the step fixed, half random, so retries spread out.</summary>
    public static TimeSpan Backoff(int attempt, Random random)
    {
        var step = BackoffBase * Math.Pow(2, Math.Clamp(attempt - 1, 0, 10));
        if (step > BackoffCap)
        {
            step = BackoffCap;
        }

        return (step / 2) + (step / 2 * random.NextDouble());
    }

    [GeneratedRegex("RetryAfterMs=([0-9]{1,9})", RegexOptions.CultureInvariant)]
    private static partial Regex RetryAfterPattern();
}
