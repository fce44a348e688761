using Grpc.Core;
using LocalHost.Otlp.Collector.Logs;
using LocalHost.Otlp.Collector.Metrics;
using LocalHost.Otlp.Collector.Trace;

namespace LocalHost.Telemetry;

/// <summary>
/// OTLP/gRPC collector endpoints on LocalHost's gRPC server: the worker's OTLP exporter (standard
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, set by LocalHost for the worker it launches) sends its metrics, traces and logs
/// here, exactly as it would to an OpenTelemetry Collector. Metrics, spans and log records are kept in
/// <see cref="WorkerTelemetry"/> (LocalHost prints the worker's logs as the host relays them, not these).
/// </summary>
internal sealed class OtlpMetricsService(WorkerTelemetry telemetry) : MetricsService.MetricsServiceBase
{
    public override Task<ExportMetricsServiceResponse> Export(ExportMetricsServiceRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        foreach (var resource in request.ResourceMetrics)
        {
            telemetry.Add(resource);
        }

        return Task.FromResult(new ExportMetricsServiceResponse());
    }
}

internal sealed class OtlpTraceService(WorkerTelemetry telemetry) : TraceService.TraceServiceBase
{
    public override Task<ExportTraceServiceResponse> Export(ExportTraceServiceRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        foreach (var resource in request.ResourceSpans)
        {
            telemetry.Add(resource);
        }

        return Task.FromResult(new ExportTraceServiceResponse());
    }
}

internal sealed class OtlpLogsService(WorkerTelemetry telemetry) : LogsService.LogsServiceBase
{
    public override Task<ExportLogsServiceResponse> Export(ExportLogsServiceRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        foreach (var resource in request.ResourceLogs)
        {
            telemetry.Add(resource);
        }

        return Task.FromResult(new ExportLogsServiceResponse());
    }
}
