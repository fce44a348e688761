using System.Collections.Concurrent;

namespace ButtonFunctions.Tests.Storage;

/// <summary>
/// Real time, except that every timed wait (Task.Delay through this provider) completes at once and moves
/// this provider's clock forward by the wait: retry tests run in milliseconds and can read the waits.
/// </summary>
internal sealed class SkippingTimeProvider : TimeProvider
{
    private long _skippedTicks;

    public ConcurrentQueue<TimeSpan> Waits { get; } = new();

    private TimeSpan Skipped => TimeSpan.FromTicks(Interlocked.Read(ref _skippedTicks));

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Skipped;

    public override long GetTimestamp() =>
        System.GetTimestamp() + (long)(Skipped.TotalSeconds * System.TimestampFrequency);

    public override long TimestampFrequency => System.TimestampFrequency;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        if (dueTime == Timeout.InfiniteTimeSpan)
        {
            return System.CreateTimer(callback, state, dueTime, period);
        }

        Waits.Enqueue(dueTime);
        Interlocked.Add(ref _skippedTicks, dueTime.Ticks);
        return System.CreateTimer(callback, state, TimeSpan.Zero, Timeout.InfiniteTimeSpan);
    }
}
