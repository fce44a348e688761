using LocalHost.Otlp.Common;
using LocalHost.Otlp.Metrics;
using LocalHost.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;

namespace ButtonFunctions.Tests.LocalHost;

/// <summary>
/// How LocalHost's OTLP collector keeps the worker's counters (tools/LocalHost/Telemetry/WorkerTelemetry.cs), and the
/// summary line it prints from them. The real exporter's messages reach it in <see cref="MetricsSummaryEndToEndTests"/>.
/// </summary>
public sealed class WorkerTelemetryTests
{
    private const ulong FirstRun = 1_000;
    private const ulong SecondRun = 9_000;

    [Fact]
    public void Cumulative_points_replace_the_series_value_and_a_restarted_worker_adds_to_what_it_had_counted()
    {
        var telemetry = new WorkerTelemetry();

        telemetry.Add(Counter("buttonfunctions.clicks.stored", AggregationTemporality.Cumulative, FirstRun, 3));
        telemetry.Add(Counter("buttonfunctions.clicks.stored", AggregationTemporality.Cumulative, FirstRun, 5));
        Assert.Equal(5, telemetry.Total("buttonfunctions.clicks.stored"));

        // A new start time: the worker restarted and counts from zero again; the total must not fall back.
        telemetry.Add(Counter("buttonfunctions.clicks.stored", AggregationTemporality.Cumulative, SecondRun, 2));
        Assert.Equal(7, telemetry.Total("buttonfunctions.clicks.stored"));
        Assert.Equal(3, telemetry.MetricExports);
    }

    [Fact]
    public void Delta_points_add_up()
    {
        var telemetry = new WorkerTelemetry();

        telemetry.Add(Counter("buttonfunctions.requests", AggregationTemporality.Delta, FirstRun, 4));
        telemetry.Add(Counter("buttonfunctions.requests", AggregationTemporality.Delta, FirstRun + 10, 6));

        Assert.Equal(10, telemetry.Total("buttonfunctions.requests"));
    }

    [Fact]
    public void Totals_are_per_name_and_can_be_narrowed_to_one_attribute()
    {
        var telemetry = new WorkerTelemetry();

        telemetry.Add(Counter("buttonfunctions.ingest.not_stored", AggregationTemporality.Cumulative, FirstRun, 2, ("outcome", "throttled")));
        telemetry.Add(Counter("buttonfunctions.ingest.not_stored", AggregationTemporality.Cumulative, FirstRun, 7, ("outcome", "unavailable")));

        Assert.Equal(9, telemetry.Total("buttonfunctions.ingest.not_stored"));
        Assert.Equal(2, telemetry.Total("buttonfunctions.ingest.not_stored", "outcome=throttled"));
        Assert.Equal(0, telemetry.Total("buttonfunctions.clicks.stored"));
    }

    [Fact]
    public async Task The_summary_counts_what_changed_since_the_last_line_and_stays_quiet_without_requests()
    {
        var telemetry = new WorkerTelemetry();
        telemetry.Add(Counter("buttonfunctions.requests", AggregationTemporality.Cumulative, FirstRun, 1));
        await using var summary = new MetricsSummary(telemetry, TimeSpan.FromHours(1), NullLogger.Instance);

        Assert.Null(summary.Next(TimeSpan.FromSeconds(10)));

        telemetry.Add(Counter("buttonfunctions.requests", AggregationTemporality.Cumulative, FirstRun, 21));
        telemetry.Add(Counter("buttonfunctions.clicks.stored", AggregationTemporality.Cumulative, FirstRun, 12));
        telemetry.Add(Counter("buttonfunctions.clicks.duplicate", AggregationTemporality.Cumulative, FirstRun, 4));
        telemetry.Add(Counter("buttonfunctions.clicks.refused", AggregationTemporality.Cumulative, FirstRun, 1, ("reason", "click-type")));
        telemetry.Add(Counter("buttonfunctions.ingest.refused", AggregationTemporality.Cumulative, FirstRun, 2, ("reason", "malformed-json")));
        telemetry.Add(Counter("buttonfunctions.auth.refused", AggregationTemporality.Cumulative, FirstRun, 3, ("reason", "missing-token")));
        telemetry.Add(Counter("buttonfunctions.ingest.not_stored", AggregationTemporality.Cumulative, FirstRun, 5, ("outcome", "throttled")));
        telemetry.Add(Counter("buttonfunctions.ingest.not_stored", AggregationTemporality.Cumulative, FirstRun, 8, ("outcome", "unavailable")));

        Assert.Equal(
            "worker metrics, last 10 s: 20 requests (2.0 req/s), stored 12, duplicates 4, refused 6, throttled 5",
            summary.Next(TimeSpan.FromSeconds(10)));
        Assert.Null(summary.Next(TimeSpan.FromSeconds(10)));
    }

    private static ResourceMetrics Counter(string name, AggregationTemporality temporality, ulong start, long value, params (string Key, string Value)[] attributes)
    {
        var point = new NumberDataPoint { StartTimeUnixNano = start, TimeUnixNano = start + 1, AsInt = value };
        foreach (var (key, text) in attributes)
        {
            point.Attributes.Add(new KeyValue { Key = key, Value = new AnyValue { StringValue = text } });
        }

        var sum = new Sum { AggregationTemporality = temporality, IsMonotonic = true };
        sum.DataPoints.Add(point);
        var scope = new ScopeMetrics { Scope = new InstrumentationScope { Name = "ButtonFunctions" } };
        scope.Metrics.Add(new Metric { Name = name, Sum = sum });
        var resource = new ResourceMetrics();
        resource.ScopeMetrics.Add(scope);
        return resource;
    }
}
