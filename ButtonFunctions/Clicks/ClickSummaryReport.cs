namespace ButtonFunctions.Clicks;

/// <summary>How long one step of a summary's click series is; both start on UTC boundaries.</summary>
public enum SummaryBucket
{
    Hour,
    Day,
}

/// <summary>When a battery reading counts as low: at or below either threshold.</summary>
/// <param name="Millivolts">Classic AWS IoT Button <c>batteryVoltage</c>, in millivolts.</param>
/// <param name="RemainingLife">AWS IoT 1-Click <c>remainingLife</c>, in percent.</param>
public sealed record BatteryThresholds(int Millivolts, double RemainingLife);

/// <summary>What to summarise: clicks with <see cref="From"/> &lt;= occurredAt &lt; <see cref="To"/>.</summary>
/// <param name="MaxDevices">Most devices listed (the most recently seen); totals still count every device.</param>
public sealed record SummaryRequest(DateTimeOffset From, DateTimeOffset To, SummaryBucket Bucket, BatteryThresholds Thresholds, int MaxDevices);

/// <summary>Counts per click type.</summary>
public sealed record ClickTypeCounts(long SingleClicks, long DoubleClicks, long LongPresses);

/// <summary>Figures over every device of the range.</summary>
public sealed record SummaryTotals(long Clicks, ClickTypeCounts ByType, long Devices, long LowBatteryDevices);

/// <summary>The latest click of the range that carried a battery reading, and whether that reading is low.</summary>
public sealed record BatteryReading(int? Millivolts, double? RemainingLife, DateTimeOffset At, bool Low);

/// <summary>One device's clicks in the range.</summary>
public sealed record DeviceSummary(
    string DeviceId, long Total, ClickTypeCounts ByType, DateTimeOffset FirstSeen, DateTimeOffset LastSeen, BatteryReading? Battery);

/// <summary>Clicks whose occurredAt falls in the bucket starting at <see cref="Start"/>.</summary>
public sealed record SeriesPoint(DateTimeOffset Start, long Clicks);

/// <summary>
/// A summary as the store computed it. <see cref="Devices"/> is sorted by last seen, newest first; <see cref="Series"/>
/// holds only the buckets that have clicks, oldest first (the read side fills in the empty ones).
/// </summary>
public sealed record ClickSummaryReport(SummaryTotals Totals, IReadOnlyList<DeviceSummary> Devices, bool DevicesTruncated, IReadOnlyList<SeriesPoint> Series);

/// <summary>Bucket lengths.</summary>
public static class SummaryBuckets
{
    public static TimeSpan Length(this SummaryBucket bucket) => bucket == SummaryBucket.Hour ? TimeSpan.FromHours(1) : TimeSpan.FromDays(1);

    /// <summary>The start of the bucket holding <paramref name="at"/> (Unix time has no leap seconds, so days are exact multiples).</summary>
    public static DateTimeOffset StartOf(this SummaryBucket bucket, DateTimeOffset at)
    {
        var length = bucket.Length().Ticks;
        var sinceEpoch = at.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        return DateTimeOffset.UnixEpoch.AddTicks(sinceEpoch - (((sinceEpoch % length) + length) % length));
    }
}
