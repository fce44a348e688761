using System.Net;
using LocalHost.Http;
using LocalHost.Telemetry;
using LocalHost.Worker;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Yarp.ReverseProxy.Forwarder;

namespace LocalHost;

/// <summary>
/// A local stand-in for the Azure Functions host: launches the real worker, speaks the host↔worker gRPC
/// protocol to it and serves its HTTP-triggered functions on http://127.0.0.1:&lt;port&gt;/&lt;routePrefix&gt;/&lt;route&gt;.
/// </summary>
public sealed partial class FunctionsLocalHost : IAsyncDisposable
{
    // A crashed worker that had been up this long is a new problem, not the same crash loop.
    private static readonly TimeSpan HealthyUptime = TimeSpan.FromMinutes(1);

    private readonly FunctionsLocalHostOptions _options;
    private readonly WorkerConfig _config;
    private readonly IReadOnlyDictionary<string, string?> _environment;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly WorkerStreamBroker _broker = new();
    private readonly WorkerLogRelay _logRelay;
    private readonly WorkerTelemetry _telemetry = new();
    private MetricsSummary? _summary;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private WebApplication? _grpcServer;
    private WebApplication? _front;
    private InvocationForwarder? _forwarder;
    private Uri _grpcUri = null!;
    private volatile WorkerSession? _session;
    private Task _supervisor = Task.CompletedTask;
    private IReadOnlyDictionary<string, string?>? _workerEnvironment;
    private int _disposed;

    private FunctionsLocalHost(FunctionsLocalHostOptions options, WorkerConfig config, IReadOnlyDictionary<string, string?> environment, ILoggerFactory loggerFactory)
    {
        _options = options;
        _config = config;
        _environment = environment;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger("LocalHost");
        _logRelay = new WorkerLogRelay(loggerFactory);
    }

    /// <summary>The HTTP front end, e.g. http://127.0.0.1:7071/.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The current worker process id (0 while a crashed worker is being restarted).</summary>
    public int WorkerProcessId => _session?.ProcessId ?? 0;

    /// <summary>Every function the worker loaded, HTTP-triggered or not.</summary>
    public IReadOnlyList<LoadedFunction> Functions { get; private set; } = [];

    /// <summary>The route prefix from host.json (extensions.http.routePrefix, default "api").</summary>
    public string RoutePrefix => _config.RoutePrefix;

    /// <summary>What the worker exported over OTLP (empty when <see cref="FunctionsLocalHostOptions.MetricsSummaryInterval"/> is zero).</summary>
    public WorkerTelemetry Telemetry => _telemetry;

    /// <summary>Whether the worker was given LocalHost's OTLP endpoint (false when off, or when the settings name another).</summary>
    public bool ExportsToLocalHost { get; private set; }

    /// <summary>Completes when LocalHost has stopped; faults when it gave up restarting a crashing worker.</summary>
    public Task Completion => _completion.Task;

    /// <summary>Starts the worker and the HTTP front end; returns when the worker has loaded all functions.</summary>
    public static async Task<FunctionsLocalHost> StartAsync(
        FunctionsLocalHostOptions options, ILoggerFactory? loggerFactory = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var config = WorkerConfig.Load(options.AppDirectory);
        var environment = config.BuildEnvironment(options.Settings, out var settingsFile);
        var host = new FunctionsLocalHost(options, config, environment, loggerFactory ?? NullLoggerFactory.Instance);
        if (settingsFile is not null)
        {
            LogSettingsFile(host._logger, settingsFile);
        }

        try
        {
            await host.StartCoreAsync(ct).ConfigureAwait(false);
            return host;
        }
        catch
        {
            await host.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task StartCoreAsync(CancellationToken ct)
    {
        _grpcServer = BuildGrpcServer();
        await _grpcServer.StartAsync(ct).ConfigureAwait(false);
        _grpcUri = ListeningOn(_grpcServer);

        var session = await StartSessionAsync(ct).ConfigureAwait(false);
        _session = session;
        Functions = [.. session.Functions.OrderBy(f => f.Name, StringComparer.Ordinal)];
        foreach (var function in Functions.Where(f => !f.IsHttpTrigger))
        {
            LogTriggerNotServed(_logger, function.Name, function.TriggerType);
        }

        _front = BuildFront();
        await _front.StartAsync(ct).ConfigureAwait(false);
        BaseAddress = ListeningOn(_front);
        _supervisor = SuperviseAsync(session);
        if (ExportsToLocalHost)
        {
            _summary = new MetricsSummary(_telemetry, _options.MetricsSummaryInterval, _loggerFactory.CreateLogger("LocalHost.Metrics"));
        }
    }

    /// <summary>
    /// The worker's environment: the app's settings, plus, when the summary is on and nothing else is configured, the
    /// standard OTLP exporter variables pointing at LocalHost's gRPC server (the app then exports there as it would to
    /// an OpenTelemetry Collector). Export intervals are short so the summary and tests see values within a second.
    /// </summary>
    private IReadOnlyDictionary<string, string?> WorkerEnvironment()
    {
        if (_options.MetricsSummaryInterval <= TimeSpan.Zero)
        {
            return _environment;
        }

        const string Endpoint = "OTEL_EXPORTER_OTLP_ENDPOINT";
        if ((_environment.TryGetValue(Endpoint, out var configured) && !string.IsNullOrWhiteSpace(configured))
            || (!_environment.ContainsKey(Endpoint) && !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(Endpoint))))
        {
            LogOtherEndpoint(_logger);
            return _environment;
        }

        ExportsToLocalHost = true;
        var environment = new Dictionary<string, string?>(_environment, StringComparer.Ordinal)
        {
            [Endpoint] = _grpcUri.AbsoluteUri.TrimEnd('/'),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "grpc",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "1000",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "1000",
            ["OTEL_BLRP_SCHEDULE_DELAY"] = "1000",
        };
        return environment;
    }

    private async Task<WorkerSession> StartSessionAsync(CancellationToken ct)
    {
        var session = new WorkerSession(_config, _broker, _logRelay, _loggerFactory.CreateLogger("LocalHost.Worker"));
        try
        {
            await session.StartAsync(_grpcUri, _workerEnvironment ??= WorkerEnvironment(), _options.StartTimeout, ct).ConfigureAwait(false);
            return session;
        }
        catch
        {
            await session.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private WebApplication BuildGrpcServer()
    {
        var builder = CreateBuilder();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // The worker connects with HTTP/2 over cleartext (prior knowledge), hence an HTTP/2-only endpoint.
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2);
        });
        builder.Services.AddSingleton(_broker);
        builder.Services.AddSingleton(_telemetry);
        builder.Services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = null;
            grpc.MaxSendMessageSize = null;
        });
        var app = builder.Build();
        app.MapGrpcService<FunctionRpcService>();
        app.MapGrpcService<OtlpMetricsService>();
        app.MapGrpcService<OtlpTraceService>();
        app.MapGrpcService<OtlpLogsService>();
        return app;
    }

    private WebApplication BuildFront()
    {
        var builder = CreateBuilder();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // Azure's limit for an HTTP-triggered function's request body.
            kestrel.Limits.MaxRequestBodySize = 100 * 1024 * 1024;
            kestrel.Listen(IPAddress.Loopback, _options.Port, listen => listen.Protocols = HttpProtocols.Http1);
        });
        builder.Services.AddRoutingCore();
        builder.Services.AddHttpForwarder();
        var app = builder.Build();
        _forwarder = new InvocationForwarder(
            app.Services.GetRequiredService<IHttpForwarder>(), () => _session, _loggerFactory.CreateLogger("LocalHost.Http"));
        // The Functions host has no 405: a declared route asked with an undeclared method is an empty 404 there
        // (Azure/azure-functions-host#10098). Routing's own 405 endpoint is dropped so the request ends in that 404.
        app.UseRouting();
        app.Use((context, next) =>
        {
            if (context.GetEndpoint() is { } selected && selected.Metadata.GetMetadata<LoadedFunction>() is null)
            {
                context.SetEndpoint(null);
            }

            return next(context);
        });

        foreach (var function in Functions.Where(f => f.IsHttpTrigger))
        {
            var endpoint = app.Map(function.RouteTemplate, context => _forwarder.ForwardAsync(context, function))
                .WithDisplayName(function.Name)
                .WithMetadata(function);
            if (function.Methods.Count > 0)
            {
                endpoint.WithMetadata(new HttpMethodMetadata(function.Methods));
            }
        }

        return app;
    }

    private WebApplicationBuilder CreateBuilder()
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(FunctionsLocalHost).Assembly.GetName().Name,
            ContentRootPath = _config.AppDirectory,
        });
        builder.WebHost.UseKestrelCore();
        // Requests still in flight when LocalHost stops get the same grace as the worker.
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = _options.ShutdownGracePeriod);
        // Kestrel, routing, gRPC and YARP log through LocalHost's logger factory, without their per-request chatter.
        builder.Logging.AddProvider(new ForwardingLoggerProvider(_loggerFactory));
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddFilter("Grpc", LogLevel.Warning);
        builder.Logging.AddFilter("Yarp", LogLevel.Warning);
        return builder;
    }

    private static Uri ListeningOn(WebApplication app)
    {
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Uri(address.EndsWith('/') ? address : address + "/");
    }

    private async Task SuperviseAsync(WorkerSession session)
    {
        var failures = 0;
        var startedAt = DateTimeOffset.UtcNow;
        while (true)
        {
            int exitCode;
            try
            {
                exitCode = await session.Exited.WaitAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return; // Stopping: DisposeAsync terminates the worker.
            }

            _session = null;
            LogWorkerExited(_logger, session.ProcessId, exitCode, session.RecentOutput);
            await session.DisposeAsync().ConfigureAwait(false);
            if (DateTimeOffset.UtcNow - startedAt > HealthyUptime)
            {
                failures = 0;
            }

            WorkerSession? restarted = null;
            while (restarted is null)
            {
                if (++failures > _options.MaxRestarts)
                {
                    LogGivingUp(_logger, _options.MaxRestarts);
                    _completion.TrySetException(new WorkerUnavailableException(
                        $"The worker exited unexpectedly (exit code {exitCode}) and {_options.MaxRestarts} restarts did not keep it running."));
                    return;
                }

                var delay = TimeSpan.FromSeconds(Math.Pow(2, failures - 1));
                LogRestarting(_logger, delay.TotalSeconds, failures, _options.MaxRestarts);
                try
                {
                    await Task.Delay(delay, _stopping.Token).ConfigureAwait(false);
                    restarted = await StartSessionAsync(_stopping.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex) when (ex is WorkerUnavailableException or TimeoutException or InvalidOperationException)
                {
                    LogRestartFailed(_logger, ex);
                }
            }

            session = restarted;
            startedAt = DateTimeOffset.UtcNow;
            _session = session;
            LogRestarted(_logger, session.ProcessId);
        }
    }

    /// <summary>Stops serving, sends WorkerTerminate, kills the worker after the grace period and waits for it to exit.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_summary is not null)
        {
            await _summary.DisposeAsync().ConfigureAwait(false);
        }

        if (_front is not null)
        {
            await _front.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }

        try
        {
            await _supervisor.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogSupervisorFailed(_logger, ex);
        }

        if (_session is { } session)
        {
            _session = null;
            await session.StopAsync(_options.ShutdownGracePeriod).ConfigureAwait(false);
            await session.DisposeAsync().ConfigureAwait(false);
        }

        if (_front is not null)
        {
            await _front.DisposeAsync().ConfigureAwait(false);
        }

        if (_grpcServer is not null)
        {
            await _grpcServer.StopAsync(CancellationToken.None).ConfigureAwait(false);
            await _grpcServer.DisposeAsync().ConfigureAwait(false);
        }

        _forwarder?.Dispose();
        _stopping.Dispose();
        _completion.TrySetResult();
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Settings from {SettingsFile}")]
    private static partial void LogSettingsFile(ILogger logger, string settingsFile);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Function {FunctionName} has a {TriggerType} trigger, which LocalHost does not run (HTTP triggers only)")]
    private static partial void LogTriggerNotServed(ILogger logger, string functionName, string triggerType);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "Worker pid {ProcessId} exited unexpectedly with code {ExitCode}. {RecentOutput}")]
    private static partial void LogWorkerExited(ILogger logger, int processId, int exitCode, string recentOutput);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Restarting the worker in {DelaySeconds} s (attempt {Attempt} of {MaxRestarts})")]
    private static partial void LogRestarting(ILogger logger, double delaySeconds, int attempt, int maxRestarts);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "Worker restarted (pid {ProcessId})")]
    private static partial void LogRestarted(ILogger logger, int processId);

    [LoggerMessage(EventId = 6, Level = LogLevel.Error, Message = "Worker restart failed")]
    private static partial void LogRestartFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 7, Level = LogLevel.Critical, Message = "The worker keeps crashing; gave up after {MaxRestarts} restarts")]
    private static partial void LogGivingUp(ILogger logger, int maxRestarts);

    [LoggerMessage(EventId = 9, Level = LogLevel.Information, Message = "OTEL_EXPORTER_OTLP_ENDPOINT is set: the worker exports there, so LocalHost prints no metrics summary")]
    private static partial void LogOtherEndpoint(ILogger logger);

    [LoggerMessage(EventId = 8, Level = LogLevel.Error, Message = "The worker supervisor failed")]
    private static partial void LogSupervisorFailed(ILogger logger, Exception exception);
}
