using System.Diagnostics;
using ButtonFunctions.Diagnostics;
using ButtonFunctions.Telemetry;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace ButtonFunctions.Tests.Telemetry;

/// <summary>
/// The OpenTelemetry SDK with its in-memory exporter, subscribed to exactly what the app subscribes to (its meter, its
/// activity source, MongoDB.Driver's), so tests read what an exporter would send. Meters and activity sources are
/// process-wide, so these tests run in one non-parallel collection (<see cref="TelemetryGroup"/>).
/// </summary>
public sealed class TelemetryCapture : IDisposable
{
    private readonly List<MetricSnapshot> _metrics = [];
    private readonly List<Activity> _activities = [];
    private readonly MeterProvider _meters;
    private readonly TracerProvider _tracer;

    public TelemetryCapture()
    {
        _meters = Sdk.CreateMeterProviderBuilder()
            .AddMeter(AppTelemetry.Name)
            .AddInMemoryExporter(_metrics)
            .Build();
        _tracer = Sdk.CreateTracerProviderBuilder()
            .AddSource(AppTelemetry.Name, TelemetryApplicationBuilderExtensions.MongoDriverActivitySource)
            .AddInMemoryExporter(_activities)
            .Build();
    }

    /// <summary>Collects now; the snapshots hold cumulative values since this capture started.</summary>
    public IReadOnlyList<MetricSnapshot> Metrics()
    {
        _metrics.Clear();
        _meters.ForceFlush();
        return [.. _metrics];
    }

    public IReadOnlyList<Activity> Activities()
    {
        _tracer.ForceFlush();
        return [.. _activities];
    }

    /// <summary>The sum of counter <paramref name="name"/> over the points whose tags include every given pair.</summary>
    public long Sum(string name, params (string Key, string Value)[] tags)
    {
        long total = 0;
        foreach (var metric in Metrics().Where(m => m.Name == name))
        {
            foreach (var point in metric.MetricPoints)
            {
                if (HasTags(point, tags))
                {
                    total += point.GetSumLong();
                }
            }
        }

        return total;
    }

    /// <summary>How many values histogram <paramref name="name"/> recorded (with the tags), and their sum.</summary>
    public (long Count, double Sum) Histogram(string name, params (string Key, string Value)[] tags)
    {
        long count = 0;
        double sum = 0;
        foreach (var metric in Metrics().Where(m => m.Name == name))
        {
            foreach (var point in metric.MetricPoints)
            {
                if (HasTags(point, tags))
                {
                    count += point.GetHistogramCount();
                    sum += point.GetHistogramSum();
                }
            }
        }

        return (count, sum);
    }

    /// <summary>Every tag value of every metric point collected so far.</summary>
    public IEnumerable<(string Metric, string Key, string? Value)> AllTags() =>
        Metrics().SelectMany(m => m.MetricPoints.SelectMany(p => TagsOf(p).Select(t => (m.Name, t.Key, t.Value?.ToString()))));

    public void Dispose()
    {
        _meters.Dispose();
        _tracer.Dispose();
    }

    private static bool HasTags(MetricPoint point, (string Key, string Value)[] wanted)
    {
        var tags = TagsOf(point);
        return wanted.All(w => tags.Any(t => t.Key == w.Key && Equals(t.Value?.ToString(), w.Value)));
    }

    private static List<KeyValuePair<string, object?>> TagsOf(MetricPoint point)
    {
        var tags = new List<KeyValuePair<string, object?>>();
        foreach (var tag in point.Tags)
        {
            tags.Add(tag);
        }

        return tags;
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TelemetryGroup
{
    public const string Name = "Telemetry (process-wide meters)";
}
