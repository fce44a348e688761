using ButtonFunctions.Clicks;
using ButtonFunctions.Read;

namespace ButtonFunctions.Tests.Read;

public sealed class SummaryQueryTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 10, 20, 30, TimeSpan.Zero);
    private static readonly BatteryThresholds Thresholds = new(1500, 10);

    private static SummaryRequest Parse(string query)
    {
        var request = SummaryQuery.Parse(query, Now, Thresholds, out var error);
        Assert.Null(error);
        return request!;
    }

    private static string RefusedParameter(string query)
    {
        Assert.Null(SummaryQuery.Parse(query, Now, Thresholds, out var error));
        return error!.Parameter;
    }

    [Fact]
    public void Without_parameters_it_covers_the_last_24_hours_by_the_hour()
    {
        var request = Parse("");

        Assert.Equal((Now.AddHours(-24), Now), (request.From, request.To));
        Assert.Equal(SummaryBucket.Hour, request.Bucket);
        Assert.Equal(Thresholds, request.Thresholds);
        Assert.Equal(1_000, request.MaxDevices);
    }

    [Fact]
    public void Only_to_means_the_24_hours_before_it_and_only_from_means_until_now()
    {
        var to = new DateTimeOffset(2026, 11, 30, 0, 0, 0, TimeSpan.Zero);

        Assert.Equal((to.AddHours(-24), to), (Parse("to=2026-11-30T00:00:00Z").From, Parse("to=2026-11-30T00:00:00Z").To));
        var sinceMonday = Parse("from=2026-11-30T00:00:00Z");
        Assert.Equal((to, Now), (sinceMonday.From, sinceMonday.To));
    }

    [Fact]
    public void Up_to_48_hours_are_hourly_and_anything_longer_daily()
    {
        Assert.Equal(SummaryBucket.Hour, Parse("from=2026-11-29T10:00:00Z&to=2026-12-01T10:00:00Z").Bucket);
        Assert.Equal(SummaryBucket.Day, Parse("from=2026-11-29T10:00:00Z&to=2026-12-01T10:00:00.001Z").Bucket);
        Assert.Equal(SummaryBucket.Day, Parse("from=2025-10-27T10:00:00Z&to=2026-12-01T10:00:00Z").Bucket); // 400 days
    }

    [Theory]
    [InlineData("from=2025-10-27T09:59:59Z&to=2026-12-01T10:00:00Z", "from")] // 400 days and a second
    [InlineData("from=2020-01-01T00:00:00Z", "from")]
    [InlineData("from=2026-12-01T11:00:00Z", "from")] // after now, to defaults to now
    [InlineData("from=2026-12-01T10:00:00Z&to=2026-12-01T09:00:00Z", "from")]
    [InlineData("to=nope", "to")]
    [InlineData("deviceId=a", "deviceId")]
    [InlineData("limit=5", "limit")]
    [InlineData("from=2026-11-30T00:00:00Z&from=2026-11-30T00:00:00Z", "from")]
    public void A_bad_parameter_is_refused_by_name(string query, string parameter)
    {
        Assert.Equal(parameter, RefusedParameter(query));
    }

    [Fact]
    public void The_series_has_every_utc_bucket_of_the_range_with_zeros_where_nothing_was_counted()
    {
        var request = Parse("from=2026-11-30T22:30:00Z&to=2026-12-01T01:00:00Z");
        var counted = new List<SeriesPoint> { new(new DateTimeOffset(2026, 11, 30, 23, 0, 0, TimeSpan.Zero), 7) };

        var series = SummaryQuery.FullSeries(request, counted);

        Assert.Equal(
            [(new DateTimeOffset(2026, 11, 30, 22, 0, 0, TimeSpan.Zero), 0L), (new DateTimeOffset(2026, 11, 30, 23, 0, 0, TimeSpan.Zero), 7L), (new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero), 0L)],
            series.Select(p => (p.Start, p.Clicks)));
    }

    [Fact]
    public void Daily_buckets_start_at_utc_midnight_whatever_offset_the_range_was_given_in()
    {
        var request = Parse("from=2026-11-01T00:00:00%2B02:00&to=2026-11-04T00:00:00%2B02:00");

        var series = SummaryQuery.FullSeries(request, []);

        Assert.Equal(SummaryBucket.Day, request.Bucket);
        Assert.Equal(["2026-10-31", "2026-11-01", "2026-11-02", "2026-11-03"], series.Select(p => p.Start.UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)));
        Assert.All(series, p => Assert.Equal(TimeSpan.Zero, p.Start.UtcDateTime.TimeOfDay));
    }

    [Fact]
    public void The_longest_ranges_have_49_hourly_or_401_daily_buckets()
    {
        Assert.Equal(49, SummaryQuery.FullSeries(Parse("from=2026-11-29T10:20:30Z&to=2026-12-01T10:20:30Z"), []).Count);
        Assert.Equal(401, SummaryQuery.FullSeries(Parse("from=2025-10-27T10:20:30Z&to=2026-12-01T10:20:30Z"), []).Count);
    }
}
