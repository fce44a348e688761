using System.Threading.RateLimiting;
using ButtonFunctions.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ButtonFunctions.Destinations;

/// <summary>
/// Bounds, per instance, how many destination confirmation requests run at all: they are the one kind of request that
/// needs no token (AWS sends none), so without a bound anyone could make every instance work, fetch and log for them.
/// A fixed window of <see cref="DestinationOptions.ConfirmationPermitLimit"/> per
/// <see cref="DestinationOptions.ConfirmationWindow"/>; beyond it the auth gate answers 429. An attacker can use up the
/// window for AWS's genuine confirmation too: the operator then confirms with the CLI command the docs give.
/// </summary>
public sealed partial class ConfirmationRateLimiter : IDisposable
{
    private readonly FixedWindowRateLimiter _limiter;
    private readonly LogSampler _refusals;
    private readonly ILogger<ConfirmationRateLimiter> _logger;

    public ConfirmationRateLimiter(IOptions<DestinationOptions> options, ILogger<ConfirmationRateLimiter> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        var settings = options.Value;
        _limiter = new FixedWindowRateLimiter(new FixedWindowRateLimiterOptions
        {
            PermitLimit = settings.ConfirmationPermitLimit,
            Window = settings.ConfirmationWindow,
            QueueLimit = 0,
            AutoReplenishment = true,
        });
        _refusals = new LogSampler(settings.ConfirmationWindow);
        _logger = logger;
    }

    /// <summary>Whether one more confirmation request may run now; if not, <paramref name="retryAfter"/> is the limiter's advice, when it has one.</summary>
    public bool TryAcquire(out TimeSpan? retryAfter)
    {
        using var lease = _limiter.AttemptAcquire();
        if (lease.IsAcquired)
        {
            retryAfter = null;
            return true;
        }

        retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : null;
        AppMetrics.Add(AppMetrics.Confirmations, 1, AppMetrics.OutcomeTag, "rate-limited");
        if (_refusals.ShouldLog(out var heldBack))
        {
            LogLimited(_logger, heldBack);
        }

        return false;
    }

    public void Dispose() => _limiter.Dispose();

    [LoggerMessage(EventId = 3104, Level = LogLevel.Warning, Message = "Destination confirmation requests over Destinations:ConfirmationPermitLimit are answered 429 ({HeldBack} more since the previous line of this kind; at most one such line per Destinations:ConfirmationWindow)")]
    private static partial void LogLimited(ILogger logger, long heldBack);
}
