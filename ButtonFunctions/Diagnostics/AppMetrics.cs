using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace ButtonFunctions.Diagnostics;

/// <summary>
/// Every instrument of the app's meter (README, "Operations", lists them with what to do when they move). Created once;
/// tag values are constants or taken from fixed tables, so recording allocates nothing and no tag can carry a device
/// id, a client id or any other value a sender chooses. With no listener (no exporter configured) a call costs a check.
/// </summary>
public static class AppMetrics
{
    /// <summary>Tag names.</summary>
    public const string ReasonTag = "reason";
    public const string OutcomeTag = "outcome";
    public const string FunctionTag = "function";
    public const string StatusClassTag = "status_class";
    public const string CauseTag = "cause";

    public static readonly Counter<long> ClicksStored = AppTelemetry.Meter.CreateCounter<long>(
        "buttonfunctions.clicks.stored", "{click}", "Clicks stored now (new documents).");

    public static readonly Counter<long> ClicksDuplicate = AppTelemetry.Meter.CreateCounter<long>(
        "buttonfunctions.clicks.duplicate", "{click}", "Clicks that were already stored (an AWS retry or a replay).");

    public static readonly Counter<long> ClicksRefused = AppTelemetry.Meter.CreateCounter<long>(
        "buttonfunctions.clicks.refused", "{click}", "Clicks of an accepted request refused one by one (listed in the 400), by reason.");

    public static readonly Counter<long> IngestRefused = AppTelemetry.Meter.CreateCounter<long>(
        "buttonfunctions.ingest.refused", "{request}", "Click requests refused as a whole before anything was stored, by problem type.");

    public static readonly Counter<long> IngestNotStored = AppTelemetry.Meter.CreateCounter<long>(
        "buttonfunctions.ingest.not_stored", "{request}", "Click requests answered 429/503/500 because the store did not take every click, by outcome.");

    public static readonly Histogram<int> BatchSize = AppTelemetry.Meter.CreateHistogram(
        "buttonfunctions.ingest.batch_size", "{click}", "Clicks per click request (valid and invalid).", tags: null,
        new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 3, 5, 10, 20, 50, 100] });

    public static readonly Counter<long> Requests = AppTelemetry.Meter.CreateCounter<long>(
        "buttonfunctions.requests", "{request}", "HTTP requests answered, by function and status class.");

    public static readonly Counter<long> AuthRefused = AppTelemetry.Meter.CreateCounter<long>(
        "buttonfunctions.auth.refused", "{request}", "Requests the auth middleware refused (401/403/400/429/503), by reason.");

    public static readonly Counter<long> TokenCacheHits = AppTelemetry.Meter.CreateCounter<long>(
        "buttonfunctions.auth.token_cache.hits", "{request}", "Bearer tokens found in the validated-token cache (no RSA check).");

    public static readonly Counter<long> TokenCacheMisses = AppTelemetry.Meter.CreateCounter<long>(
        "buttonfunctions.auth.token_cache.misses", "{request}", "Bearer tokens not in the cache (fully validated).");

    public static readonly Counter<long> JwksRefreshes = AppTelemetry.Meter.CreateCounter<long>(
        "buttonfunctions.auth.jwks.refreshes", "{refresh}", "Signing-key refreshes asked for by a token with an unknown key id, by outcome (fetched, or rate_limited: refused without a fetch).");

    public static readonly Counter<long> StoreThrottled = AppTelemetry.Meter.CreateCounter<long>(
        "buttonfunctions.store.throttled", "{response}", "Store answers that were rate limiting (Cosmos DB 16500, or 50 after its own retries), retried or not.");

    public static readonly Counter<long> StoreRetries = AppTelemetry.Meter.CreateCounter<long>(
        "buttonfunctions.store.retries", "{retry}", "Store inserts retried within Mongo:RetryBudget, by cause (throttled, unavailable).");

    public static readonly Histogram<double> StoreDuration = AppTelemetry.Meter.CreateHistogram(
        "buttonfunctions.store.duration", "s", "Time one store call took, retries included, by outcome.", tags: null,
        new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });

    public static readonly Counter<long> Confirmations = AppTelemetry.Meter.CreateCounter<long>(
        "buttonfunctions.destinations.confirmations", "{request}", "AWS destination confirmation requests, by outcome (confirmed, not-followed, failed, unlisted, invalid).");

    private static readonly KeyValuePair<string, object?>[] StatusClasses =
        [.. new[] { "1xx", "2xx", "3xx", "4xx", "5xx" }.Select(c => new KeyValuePair<string, object?>(StatusClassTag, c))];

    private static readonly ConcurrentDictionary<string, KeyValuePair<string, object?>> FunctionTags = new(StringComparer.Ordinal);

    /// <summary>One answered request. Function names are the app's own (a fixed set), the status is reduced to its class.</summary>
    public static void RecordRequest(string functionName, int status)
    {
        if (!Requests.Enabled)
        {
            return;
        }

        var function = FunctionTags.GetOrAdd(functionName, static name => new KeyValuePair<string, object?>(FunctionTag, name));
        var statusClass = StatusClasses[Math.Clamp(status / 100, 1, 5) - 1];
        Requests.Add(1, function, statusClass);
    }

    /// <summary>The <c>status_class</c> tag value of <paramref name="status"/>.</summary>
    public static string StatusClassOf(int status) => (string)StatusClasses[Math.Clamp(status / 100, 1, 5) - 1].Value!;

    /// <summary>Adds <paramref name="count"/> to <paramref name="counter"/> with one tag; <paramref name="value"/> must come from a fixed set.</summary>
    public static void Add(Counter<long> counter, long count, string tag, string value)
    {
        ArgumentNullException.ThrowIfNull(counter);
        if (count > 0 && counter.Enabled)
        {
            counter.Add(count, new KeyValuePair<string, object?>(tag, value));
        }
    }
}
