using System.Collections.Concurrent;
using System.Globalization;
using LocalHost.Otlp.Common;
using LocalHost.Otlp.Logs;
using LocalHost.Otlp.Metrics;
using LocalHost.Otlp.Trace;

namespace LocalHost.Telemetry;

/// <summary>
/// What the worker exported to LocalHost over OTLP: the latest value of every metric series (cumulative, as the OTLP
/// exporter sends by default; delta points are added up), the most recent spans and log records. Thread-safe; bounded.
/// </summary>
public sealed class WorkerTelemetry
{
    private const int SpansKept = 2_000;
    private const int LogsKept = 2_000;

    private readonly ConcurrentDictionary<string, Series> _series = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<ReceivedSpan> _spans = new();
    private readonly ConcurrentQueue<ReceivedLog> _logs = new();
    private long _logRecords;

    /// <summary>How many metric export calls arrived (a test can wait for the first).</summary>
    public long MetricExports => Interlocked.Read(ref _metricExports);

    private long _metricExports;

    /// <summary>The most recent spans (at most <see cref="SpansKept"/>), oldest first.</summary>
    public IReadOnlyList<ReceivedSpan> Spans => [.. _spans];

    /// <summary>The most recent log records (at most <see cref="LogsKept"/>), oldest first.</summary>
    public IReadOnlyList<ReceivedLog> Logs => [.. _logs];

    /// <summary>How many log records arrived in all (kept or not).</summary>
    public long LogRecords => Interlocked.Read(ref _logRecords);

    /// <summary>Total of counter <paramref name="name"/> over its series whose attributes include <paramref name="attribute"/> (key=value), if given.</summary>
    public long Total(string name, string? attribute = null)
    {
        long total = 0;
        foreach (var series in _series.Values)
        {
            if (series.Name == name && (attribute is null || series.Attributes.Contains(attribute)))
            {
                total += series.Value;
            }
        }

        return total;
    }

    internal void Add(ResourceMetrics resource)
    {
        Interlocked.Increment(ref _metricExports);
        foreach (var scope in resource.ScopeMetrics)
        {
            foreach (var metric in scope.Metrics)
            {
                switch (metric.DataCase)
                {
                    case Metric.DataOneofCase.Sum:
                        var delta = metric.Sum.AggregationTemporality == AggregationTemporality.Delta;
                        foreach (var point in metric.Sum.DataPoints)
                        {
                            var value = point.ValueCase == NumberDataPoint.ValueOneofCase.AsInt ? point.AsInt : (long)point.AsDouble;
                            Record(metric.Name, point.Attributes, point.StartTimeUnixNano, value, delta);
                        }

                        break;
                    case Metric.DataOneofCase.Histogram:
                        var histogramDelta = metric.Histogram.AggregationTemporality == AggregationTemporality.Delta;
                        foreach (var point in metric.Histogram.DataPoints)
                        {
                            Record(metric.Name + ".count", point.Attributes, point.StartTimeUnixNano, (long)point.Count, histogramDelta);
                        }

                        break;
                }
            }
        }
    }

    internal void Add(ResourceSpans resource)
    {
        foreach (var scope in resource.ScopeSpans)
        {
            foreach (var span in scope.Spans)
            {
                _spans.Enqueue(new ReceivedSpan(
                    scope.Scope?.Name ?? string.Empty,
                    span.Name,
                    Convert.ToHexStringLower(span.TraceId.Span),
                    Convert.ToHexStringLower(span.SpanId.Span),
                    Convert.ToHexStringLower(span.ParentSpanId.Span),
                    span.Kind.ToString(),
                    span.Attributes.ToDictionary(a => a.Key, a => Render(a.Value), StringComparer.Ordinal)));
                while (_spans.Count > SpansKept && _spans.TryDequeue(out _))
                {
                }
            }
        }
    }

    internal void Add(ResourceLogs resource)
    {
        foreach (var scope in resource.ScopeLogs)
        {
            foreach (var record in scope.LogRecords)
            {
                Interlocked.Increment(ref _logRecords);
                _logs.Enqueue(new ReceivedLog(scope.Scope?.Name ?? string.Empty, (int)record.SeverityNumber, Render(record.Body)));
                while (_logs.Count > LogsKept && _logs.TryDequeue(out _))
                {
                }
            }
        }
    }

    private void Record(string name, IEnumerable<KeyValue> attributes, ulong start, long value, bool delta)
    {
        var rendered = attributes.Select(a => a.Key + "=" + Render(a.Value)).Order(StringComparer.Ordinal).ToArray();
        var key = name + "|" + string.Join(",", rendered);
        var series = _series.GetOrAdd(key, _ => new Series(name, [.. rendered]));
        lock (series)
        {
            // A new start time on a cumulative series is a restarted worker: its count starts again from zero.
            series.Value = delta ? series.Value + value : series.Base(start) + value;
        }
    }

    private static string Render(AnyValue? value) => value?.ValueCase switch
    {
        AnyValue.ValueOneofCase.StringValue => value.StringValue,
        AnyValue.ValueOneofCase.IntValue => value.IntValue.ToString(CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.DoubleValue => value.DoubleValue.ToString(CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.BoolValue => value.BoolValue ? "true" : "false",
        AnyValue.ValueOneofCase.ArrayValue => string.Join(",", value.ArrayValue.Values.Select(Render)),
        _ => string.Empty,
    };

    private sealed class Series(string name, HashSet<string> attributes)
    {
        private ulong _start;
        private long _carried;
        private long _last;

        public string Name { get; } = name;

        public HashSet<string> Attributes { get; } = attributes;

        public long Value
        {
            get => Interlocked.Read(ref _last);
            set => Interlocked.Exchange(ref _last, value);
        }

        /// <summary>What a cumulative point adds to: the totals of earlier runs of the worker, kept across its restarts.</summary>
        public long Base(ulong start)
        {
            if (start != _start)
            {
                _carried = _start == 0 ? 0 : Value;
                _start = start;
            }

            return _carried;
        }
    }
}

/// <summary>One span as the worker exported it (attribute values rendered as text; arrays comma-separated).</summary>
public sealed record ReceivedSpan(
    string Scope, string Name, string TraceId, string SpanId, string ParentSpanId, string Kind, IReadOnlyDictionary<string, string> Attributes);

/// <summary>One log record as the worker exported it: its scope (the logger category), OTLP severity number (9 = Information, 13 = Warning) and body.</summary>
public sealed record ReceivedLog(string Scope, int Severity, string Body);
