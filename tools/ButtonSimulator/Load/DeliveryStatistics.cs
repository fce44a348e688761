using ButtonSimulator.Delivery;

namespace ButtonSimulator.Load;

/// <summary>Thread-safe running totals of deliveries, for the live display and the final summary.</summary>
internal sealed class DeliveryStatistics
{
    private readonly Lock _lock = new();
    private readonly List<double> _latenciesMs = [];
    private int _sent, _requests, _accepted, _duplicates, _rejected, _retried, _failedToErrorAction, _interrupted, _tokenResends;

    public int Sent => Volatile.Read(ref _sent);

    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Events the function stored.</summary>
    public int Accepted => Volatile.Read(ref _accepted);

    public int Duplicates => Volatile.Read(ref _duplicates);

    /// <summary>Messages refused with a final 4xx (the valid part of a partly invalid batch is counted as accepted).</summary>
    public int Rejected => Volatile.Read(ref _rejected);

    /// <summary>Retries (tries after the first) over all requests.</summary>
    public int Retried => Volatile.Read(ref _retried);

    /// <summary>Messages written to the error action (rejected or out of retries; AWS writes a whole refused batch).</summary>
    public int FailedToErrorAction => Volatile.Read(ref _failedToErrorAction);

    /// <summary>Messages whose delivery Ctrl+C cut short (counted in <see cref="FailedToErrorAction"/> too).</summary>
    public int Interrupted => Volatile.Read(ref _interrupted);

    public int TokenResends => Volatile.Read(ref _tokenResends);

    public void Record(DeliveryReport report)
    {
        Interlocked.Add(ref _sent, report.Messages);
        Interlocked.Increment(ref _requests);
        Interlocked.Add(ref _accepted, report.Stored);
        Interlocked.Add(ref _duplicates, report.Duplicates);
        Interlocked.Add(ref _retried, report.Retries);
        Interlocked.Add(ref _tokenResends, report.TokenRefreshes);
        if (report.Outcome == DeliveryOutcome.Rejected)
        {
            Interlocked.Add(ref _rejected, report.Messages - report.Stored - report.Duplicates);
        }

        if (report.Outcome is DeliveryOutcome.Rejected or DeliveryOutcome.Failed or DeliveryOutcome.Interrupted)
        {
            Interlocked.Add(ref _failedToErrorAction, report.Messages);
        }

        if (report.Outcome == DeliveryOutcome.Interrupted)
        {
            Interlocked.Add(ref _interrupted, report.Messages);
        }

        lock (_lock)
        {
            _latenciesMs.Add(report.Latency.TotalMilliseconds);
        }
    }

    /// <summary>Request latency percentile (nearest rank), in milliseconds; 0 before any request.</summary>
    public double LatencyPercentile(double percentile)
    {
        double[] sorted;
        lock (_lock)
        {
            sorted = [.. _latenciesMs];
        }

        if (sorted.Length == 0)
        {
            return 0;
        }

        Array.Sort(sorted);
        var rank = (int)Math.Ceiling(percentile / 100.0 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}
