using System.Collections.Concurrent;
using LocalHost.Rpc;
using Microsoft.Extensions.Logging;

namespace LocalHost.Worker;

/// <summary>
/// The worker writes nothing to stdout: every log line arrives as an RpcLog message. This writes them to
/// LocalHost's loggers, under the worker's own category and level — except the worker host's lifetime lines
/// ("Now listening on: http://localhost:NNNNN", "Application started. Press Ctrl+C to shut down."), which name the
/// worker's internal port and a key that does nothing here: relayed at Debug, so LocalHost's ready banner is the
/// only place that names URLs to use.
/// </summary>
internal sealed class WorkerLogRelay(ILoggerFactory loggerFactory)
{
    private const string HostLifetimeCategory = "Microsoft.Hosting.Lifetime";

    private readonly ConcurrentDictionary<string, ILogger> _loggers = new(StringComparer.Ordinal);

    public void Relay(RpcLog log)
    {
        if (log.LogCategory == RpcLog.Types.RpcLogCategory.CustomMetric || log.Level == RpcLog.Types.Level.None)
        {
            return;
        }

        var category = string.IsNullOrEmpty(log.Category) ? "Worker" : log.Category;
        var logger = _loggers.GetOrAdd(category, loggerFactory.CreateLogger);
        var level = (LogLevel)(int)log.Level;
        if (category == HostLifetimeCategory && level == LogLevel.Information)
        {
            level = LogLevel.Debug;
        }

        if (!logger.IsEnabled(level))
        {
            return;
        }

        var exception = log.Exception is { } ex ? new RemoteWorkerException(ex) : null;
#pragma warning disable CA1848, CA2254 // Relaying: the worker has already rendered its message; the template is constant.
        logger.Log(level, exception, "{WorkerMessage}", log.Message);
#pragma warning restore CA1848, CA2254
    }
}

/// <summary>An exception raised in the worker, as the worker described it (type, message, stack trace).</summary>
public sealed class RemoteWorkerException : Exception
{
    private readonly string _type;
    private readonly string _stackTrace;

    internal RemoteWorkerException(RpcException exception)
        : base(exception.Message)
    {
        _type = exception.Type;
        _stackTrace = exception.StackTrace;
    }

    public RemoteWorkerException()
        : this("An exception in the worker.")
    {
    }

    public RemoteWorkerException(string message)
        : base(message)
    {
        _type = "";
        _stackTrace = "";
    }

    public RemoteWorkerException(string message, Exception innerException)
        : base(message, innerException)
    {
        _type = "";
        _stackTrace = "";
    }

    public override string? StackTrace => _stackTrace;

    public override string ToString() =>
        string.IsNullOrEmpty(_type)
            ? $"{Message}{Environment.NewLine}{_stackTrace}"
            : $"{_type}: {Message}{Environment.NewLine}{_stackTrace}";
}
