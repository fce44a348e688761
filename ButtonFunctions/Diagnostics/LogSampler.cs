namespace ButtonFunctions.Diagnostics;

/// <summary>
/// Lets at most one log line of a kind through per interval and counts the ones held back, so that a line anyone can
/// provoke (an unauthenticated request, a forged token, a malformed click) cannot flood the log or its bill: each line
/// written says how many were held back since the one before, and the first occurrence always gets through with its
/// full detail. The count of a quiet tail is reported with the next line of the kind (and is in the metrics anyway).
/// Lock-free (one compare-and-swap), allocation-free, and on the clock it is given, so tests can move it.
/// </summary>
public sealed class LogSampler
{
    /// <summary>The interval the app uses for lines a caller can repeat at will (README, "Operations").</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMinutes(1);

    private readonly TimeProvider _time;
    private readonly long _intervalTicks;
    private long _nextAllowed = long.MinValue;
    private long _heldBack;

    public LogSampler(TimeSpan interval, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        _time = time ?? TimeProvider.System;
        _intervalTicks = (long)(interval.TotalSeconds * _time.TimestampFrequency);
    }

    /// <summary>
    /// Whether this occurrence is logged. When it is, <paramref name="heldBack"/> is how many occurrences were not
    /// logged since the previous line; when it is not, this one is counted for the next line.
    /// </summary>
    public bool ShouldLog(out long heldBack)
    {
        var now = _time.GetTimestamp();
        var next = Volatile.Read(ref _nextAllowed);
        if (now >= next && Interlocked.CompareExchange(ref _nextAllowed, now + _intervalTicks, next) == next)
        {
            heldBack = Interlocked.Exchange(ref _heldBack, 0);
            return true;
        }

        Interlocked.Increment(ref _heldBack);
        heldBack = 0;
        return false;
    }
}
