using ButtonFunctions.Clicks;

namespace ButtonFunctions.Read;

/// <summary>Validates the query of <c>GET /api/clicks/summary</c> and fills in the defaults.</summary>
internal static class SummaryQuery
{
    public static readonly TimeSpan DefaultRange = TimeSpan.FromHours(24);
    public static readonly TimeSpan MaxRange = TimeSpan.FromDays(400);

    /// <summary>Up to this range the series counts clicks per hour (at most 49 buckets), beyond it per day (at most 401).</summary>
    public static readonly TimeSpan LongestHourlyRange = TimeSpan.FromHours(48);

    /// <summary>Most devices listed; the totals still count them all.</summary>
    public const int MaxDevices = 1_000;

    public static readonly IReadOnlyCollection<string> Parameters = ["from", "to"];

    public static SummaryRequest? Parse(string? rawQuery, DateTimeOffset now, BatteryThresholds thresholds, out QueryError? error)
    {
        if (QueryParameters.Parse(rawQuery, Parameters, out error) is not { } query
            || !ClickListQuery.TryRange(query, out var from, out var to, out error))
        {
            return null;
        }

        var end = to ?? now;
        var start = from ?? end - DefaultRange;
        if (start >= end)
        {
            // Only from was given, and it is not in the past.
            error = new QueryError("from", "from must be earlier than to, which defaults to now.");
            return null;
        }

        if (end - start > MaxRange)
        {
            error = new QueryError("from", $"The range from..to may span at most {MaxRange.TotalDays:0} days.");
            return null;
        }

        var bucket = end - start <= LongestHourlyRange ? SummaryBucket.Hour : SummaryBucket.Day;
        return new SummaryRequest(start, end, bucket, thresholds, MaxDevices);
    }

    /// <summary>Every bucket that overlaps the range, oldest first, with the store's counts and zeros for the rest.</summary>
    public static IReadOnlyList<SeriesPoint> FullSeries(SummaryRequest request, IReadOnlyList<SeriesPoint> counted)
    {
        var byStart = counted.ToDictionary(p => p.Start);
        var series = new List<SeriesPoint>();
        for (var start = request.Bucket.StartOf(request.From); start < request.To; start += request.Bucket.Length())
        {
            series.Add(new SeriesPoint(start, byStart.TryGetValue(start, out var point) ? point.Clicks : 0));
        }

        return series;
    }
}
