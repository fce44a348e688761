using System.Globalization;
using Microsoft.Extensions.Logging;

namespace LocalHost.Telemetry;

/// <summary>
/// Every interval, while requests arrive, one line read from the worker's own metrics (the ones an operator sees in
/// Azure Monitor; README, "Operations"): requests answered and per second (<c>buttonfunctions.requests</c>), clicks
/// stored (<c>clicks.stored</c>), duplicates (<c>clicks.duplicate</c>), refused (clicks refused one by one, plus click
/// requests refused whole, plus requests the auth middleware refused: <c>clicks.refused</c> + <c>ingest.refused</c> +
/// <c>auth.refused</c>), and click requests answered 429 because the store throttled
/// (<c>ingest.not_stored{outcome=throttled}</c>). Nothing is printed for an interval without requests. The worker
/// exports every second, so a line lags the requests it counts by at most that.
/// </summary>
internal sealed partial class MetricsSummary : IAsyncDisposable
{
    private readonly WorkerTelemetry _telemetry;
    private readonly TimeSpan _interval;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private Totals _previous;

    public MetricsSummary(WorkerTelemetry telemetry, TimeSpan interval, ILogger logger, TimeProvider? time = null)
    {
        _telemetry = telemetry;
        _interval = interval;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _previous = Totals.Of(telemetry);
        _loop = RunAsync();
    }

    /// <summary>The summary of what changed since the last call, or null when no request arrived (also advances the baseline).</summary>
    internal string? Next(TimeSpan elapsed)
    {
        var now = Totals.Of(_telemetry);
        var delta = now - _previous;
        _previous = now;
        if (delta.Requests <= 0)
        {
            return null;
        }

        return string.Create(CultureInfo.InvariantCulture,
            $"worker metrics, last {elapsed.TotalSeconds:0} s: {delta.Requests} requests ({delta.Requests / Math.Max(elapsed.TotalSeconds, 0.001):0.0} req/s), stored {delta.Stored}, duplicates {delta.Duplicates}, refused {delta.Refused}, throttled {delta.Throttled}");
    }

    private async Task RunAsync()
    {
        using var timer = new PeriodicTimer(_interval, _time);
        var last = _time.GetTimestamp();
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                var now = _time.GetTimestamp();
                if (Next(_time.GetElapsedTime(last, now)) is { } line)
                {
                    LogSummary(_logger, line);
                }

                last = now;
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }

    [LoggerMessage(EventId = 50, Level = LogLevel.Information, Message = "{Summary}")]
    private static partial void LogSummary(ILogger logger, string summary);

    private readonly record struct Totals(long Requests, long Stored, long Duplicates, long Refused, long Throttled)
    {
        public static Totals Of(WorkerTelemetry t) => new(
            t.Total("buttonfunctions.requests"),
            t.Total("buttonfunctions.clicks.stored"),
            t.Total("buttonfunctions.clicks.duplicate"),
            t.Total("buttonfunctions.clicks.refused") + t.Total("buttonfunctions.ingest.refused") + t.Total("buttonfunctions.auth.refused"),
            t.Total("buttonfunctions.ingest.not_stored", "outcome=throttled"));

        public static Totals operator -(Totals a, Totals b) => new(
            a.Requests - b.Requests, a.Stored - b.Stored, a.Duplicates - b.Duplicates, a.Refused - b.Refused, a.Throttled - b.Throttled);
    }
}
