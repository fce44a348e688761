using System.Threading.RateLimiting;

namespace ButtonFunctions.Diagnostics;

/// <summary>
/// Lets at most one log line of a kind through per interval and counts the ones held back, so that a line anyone can
/// provoke (an unauthenticated request) cannot flood the log or its bill: each line written says how many were held
/// back since the one before. The count of a quiet tail is reported with the next line of the kind.
/// </summary>
public sealed class LogSampler : IDisposable
{
    private readonly FixedWindowRateLimiter _limiter;
    private long _heldBack;

    public LogSampler(TimeSpan interval)
    {
        _limiter = new FixedWindowRateLimiter(new FixedWindowRateLimiterOptions
        {
            PermitLimit = 1,
            Window = interval,
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }

    /// <summary>
    /// Whether this occurrence is logged. When it is, <paramref name="heldBack"/> is how many occurrences were not
    /// logged since the previous line; when it is not, this one is counted for the next line.
    /// </summary>
    public bool ShouldLog(out long heldBack)
    {
        using var lease = _limiter.AttemptAcquire();
        if (lease.IsAcquired)
        {
            heldBack = Interlocked.Exchange(ref _heldBack, 0);
            return true;
        }

        Interlocked.Increment(ref _heldBack);
        heldBack = 0;
        return false;
    }

    public void Dispose() => _limiter.Dispose();
}
