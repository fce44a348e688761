using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text.Json;
using System.Threading.Channels;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using LocalHost.Rpc;
using Microsoft.Extensions.Logging;

namespace LocalHost.Worker;

/// <summary>
/// One launch of the worker: its process, its event stream, the start-up handshake
/// (WorkerInit → FunctionsMetadata → FunctionLoad per function) and request/response pairing by request id.
/// </summary>
internal sealed partial class WorkerSession : IAsyncDisposable
{
    private const string HttpUriCapability = "HttpUri";
    private const string HostVersion = "4.0.0-localhost";

    private readonly WorkerConfig _config;
    private readonly WorkerStreamBroker _broker;
    private readonly WorkerLogRelay _logRelay;
    private readonly ILogger _logger;
    private readonly Channel<StreamingMessage> _outbound =
        Channel.CreateUnbounded<StreamingMessage>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<string, TaskCompletionSource<StreamingMessage>> _pending = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _streamEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private WorkerProcess? _process;
    private Dictionary<string, LoadedFunction> _functions = new(StringComparer.Ordinal);

    public WorkerSession(WorkerConfig config, WorkerStreamBroker broker, WorkerLogRelay logRelay, ILogger logger)
    {
        _config = config;
        _broker = broker;
        _logRelay = logRelay;
        _logger = logger;
    }

    public string WorkerId { get; } = Guid.NewGuid().ToString();

    public int ProcessId => _process?.Id ?? 0;

    /// <summary>The worker's own Kestrel (the HttpUri capability), rewritten to 127.0.0.1.</summary>
    public Uri HttpUri { get; private set; } = null!;

    public IReadOnlyCollection<LoadedFunction> Functions => _functions.Values;

    /// <summary>Completes with the exit code when the worker process has exited.</summary>
    public Task<int> Exited => _process?.Exited ?? Task.FromResult(-1);

    public string RecentOutput => _process?.RecentOutput ?? "";

    public bool TryGetFunction(string name, out LoadedFunction function) => _functions.TryGetValue(name, out function!);

    /// <summary>Launches the worker and returns once every function is loaded.</summary>
    public async Task StartAsync(Uri grpcUri, IReadOnlyDictionary<string, string?> environment, TimeSpan timeout, CancellationToken ct)
    {
        _broker.Expect(this);
        string[] args =
        [
            "--functions-uri", grpcUri.AbsoluteUri,
            "--functions-worker-id", WorkerId,
            "--functions-request-id", Guid.NewGuid().ToString(),
            "--functions-grpc-max-message-length", int.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ];
        _process = await WorkerProcess.StartAsync(_config, args, environment, _logger).ConfigureAwait(false);
        LogLaunched(_logger, _process.Id, _config.WorkerPath);

        using var startCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        startCts.CancelAfter(timeout);
        var handshake = HandshakeAsync(startCts.Token);
        var finished = await Task.WhenAny(handshake, _process.Exited).ConfigureAwait(false);
        if (finished != handshake)
        {
            await startCts.CancelAsync().ConfigureAwait(false);
            throw new WorkerUnavailableException(
                $"The worker exited with code {_process.Exited.Result} during start-up.{FormatOutput(_process.RecentOutput)}");
        }

        try
        {
            await handshake.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException(
                $"The worker did not load its functions within {timeout.TotalSeconds:0} s.{FormatOutput(_process.RecentOutput)}");
        }
    }

    private async Task HandshakeAsync(CancellationToken ct)
    {
        await _connected.Task.WaitAsync(ct).ConfigureAwait(false);

        var init = (await RequestAsync(new StreamingMessage
        {
            RequestId = NewRequestId(),
            WorkerInitRequest = new WorkerInitRequest
            {
                HostVersion = HostVersion,
                WorkerDirectory = _config.AppDirectory,
                FunctionAppDirectory = _config.AppDirectory,
            },
        }).WaitAsync(ct).ConfigureAwait(false)).WorkerInitResponse;
        EnsureSuccess(init.Result, "WorkerInitRequest");
        if (!init.Capabilities.TryGetValue(HttpUriCapability, out var httpUri) || !Uri.TryCreate(httpUri, UriKind.Absolute, out var uri))
        {
            throw new InvalidOperationException(
                "The worker did not report an HttpUri capability. LocalHost forwards HTTP to the worker's own Kestrel, which exists only "
                + "with the ASP.NET Core integration: call ConfigureFunctionsWebApplication() in the app's Program.cs.");
        }

        // The worker listens on "localhost" (IPv4 and IPv6); 127.0.0.1 skips a name lookup per connection.
        HttpUri = uri.IsLoopback ? new UriBuilder(uri) { Host = "127.0.0.1" }.Uri : uri;

        var metadata = (await RequestAsync(new StreamingMessage
        {
            RequestId = NewRequestId(),
            FunctionsMetadataRequest = new FunctionsMetadataRequest { FunctionAppDirectory = _config.AppDirectory },
        }).WaitAsync(ct).ConfigureAwait(false)).FunctionMetadataResponse;
        EnsureSuccess(metadata.Result, "FunctionsMetadataRequest");
        if (metadata.UseDefaultMetadataIndexing)
        {
            throw new InvalidOperationException("The worker asked the host to index functions itself; LocalHost supports worker indexing only.");
        }

        // The load request carries the worker's own metadata back verbatim, unknown fields included.
        var loads = metadata.FunctionMetadataResults.Select(async function =>
        {
            var load = (await RequestAsync(new StreamingMessage
            {
                RequestId = NewRequestId(),
                FunctionLoadRequest = new FunctionLoadRequest { FunctionId = function.FunctionId, Metadata = function },
            }).WaitAsync(ct).ConfigureAwait(false)).FunctionLoadResponse;
            EnsureSuccess(load.Result, $"FunctionLoadRequest for {function.Name}");
            return ToLoadedFunction(function);
        });
        var functions = await Task.WhenAll(loads).ConfigureAwait(false);
        _functions = functions.ToDictionary(f => f.Name, StringComparer.Ordinal);

        // The worker's Kestrel may still be binding when the functions are loaded; a request forwarded before it
        // listens would be refused while its invocation waits 15 s for it. Ready means both sides are up.
        await WaitUntilListeningAsync(HttpUri, ct).ConfigureAwait(false);
    }

    private static async Task WaitUntilListeningAsync(Uri uri, CancellationToken ct)
    {
        using var retry = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
        while (true)
        {
            using var probe = new Socket(SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await probe.ConnectAsync(uri.Host, uri.Port, ct).ConfigureAwait(false);
                return;
            }
            catch (SocketException)
            {
                await retry.WaitForNextTickAsync(ct).ConfigureAwait(false);
            }
        }
    }

    private LoadedFunction ToLoadedFunction(RpcFunctionMetadata function)
    {
        foreach (var raw in function.RawBindings)
        {
            using var binding = JsonDocument.Parse(raw);
            var root = binding.RootElement;
            var type = GetString(root, "type");
            var direction = GetString(root, "direction");
            if (type is null || !type.EndsWith("Trigger", StringComparison.OrdinalIgnoreCase)
                || (direction is not null && !direction.Equals("in", StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            var methods = root.TryGetProperty("methods", out var m) && m.ValueKind == JsonValueKind.Array
                ? m.EnumerateArray().Select(e => e.GetString()!.ToUpperInvariant()).ToArray()
                : [];
            var route = (GetString(root, "route") ?? function.Name).Trim('/');
            var template = _config.RoutePrefix.Length == 0 ? route : $"{_config.RoutePrefix}/{route}";
            return new LoadedFunction(function.Name, type, methods, route, GetString(root, "authLevel") ?? "Function", template)
            {
                FunctionId = function.FunctionId,
            };
        }

        return new LoadedFunction(function.Name, "", [], "", "", "") { FunctionId = function.FunctionId };

        static string? GetString(JsonElement element, string name)
        {
            foreach (var property in element.EnumerateObject())
            {
                if (property.Name.Equals(name, StringComparison.OrdinalIgnoreCase) && property.Value.ValueKind == JsonValueKind.String)
                {
                    return property.Value.GetString();
                }
            }

            return null;
        }
    }

    /// <summary>Sends an invocation; completes with the worker's InvocationResponse.</summary>
    public async Task<InvocationResponse> InvokeAsync(InvocationRequest request) =>
        (await RequestAsync(new StreamingMessage { RequestId = request.InvocationId, InvocationRequest = request }).ConfigureAwait(false))
        .InvocationResponse;

    /// <summary>Asks the worker to cancel an invocation (the client went away); the worker answers through the invocation.</summary>
    public void Cancel(string invocationId) =>
        _outbound.Writer.TryWrite(new StreamingMessage { InvocationCancel = new InvocationCancel { InvocationId = invocationId } });

    private Task<StreamingMessage> RequestAsync(StreamingMessage message)
    {
        var reply = new TaskCompletionSource<StreamingMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_pending.TryAdd(message.RequestId, reply))
        {
            throw new InvalidOperationException($"Request id {message.RequestId} is already in use.");
        }

        if (!_outbound.Writer.TryWrite(message))
        {
            _pending.TryRemove(message.RequestId, out _);
            reply.TrySetException(new WorkerUnavailableException("The worker's event stream has ended."));
        }

        return reply.Task;
    }

    /// <summary>Runs for the lifetime of the worker's event stream (called by the gRPC service).</summary>
    internal async Task RunStreamAsync(
        IAsyncStreamReader<StreamingMessage> requestStream, IServerStreamWriter<StreamingMessage> responseStream, CancellationToken ct)
    {
        _connected.TrySetResult();
        var writing = WriteLoopAsync(responseStream, ct);
        try
        {
            while (await requestStream.MoveNext(ct).ConfigureAwait(false))
            {
                Dispatch(requestStream.Current);
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or Grpc.Core.RpcException)
        {
            LogStreamBroken(_logger, ex.Message);
        }
        finally
        {
            _outbound.Writer.TryComplete();
            foreach (var key in _pending.Keys)
            {
                if (_pending.TryRemove(key, out var pending))
                {
                    pending.TrySetException(new WorkerUnavailableException("The worker's event stream ended before it answered."));
                }
            }

            _streamEnded.TrySetResult();
        }

        try
        {
            await writing.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or InvalidOperationException or Grpc.Core.RpcException)
        {
            // The stream is gone; nothing left to write to.
        }
    }

    private async Task WriteLoopAsync(IServerStreamWriter<StreamingMessage> responseStream, CancellationToken ct)
    {
        await foreach (var message in _outbound.Reader.ReadAllAsync(ct).ConfigureAwait(false))
        {
            await responseStream.WriteAsync(message, ct).ConfigureAwait(false);
        }
    }

    private void Dispatch(StreamingMessage message)
    {
        switch (message.ContentCase)
        {
            case StreamingMessage.ContentOneofCase.RpcLog:
                _logRelay.Relay(message.RpcLog);
                break;
            case StreamingMessage.ContentOneofCase.None:
                // The worker answers WorkerTerminate (and messages it does not know) with an empty message.
                break;
            default:
                if (_pending.TryRemove(message.RequestId, out var pending))
                {
                    pending.TrySetResult(message);
                }
                else
                {
                    LogUnexpectedMessage(_logger, message.ContentCase, message.RequestId);
                }

                break;
        }
    }

    /// <summary>WorkerTerminate, then a kill after the grace period; returns once the process has exited.</summary>
    public async Task StopAsync(TimeSpan gracePeriod)
    {
        _broker.Forget(this);
        if (_process is null)
        {
            return;
        }

        if (!_process.Exited.IsCompleted && _connected.Task.IsCompleted && !_streamEnded.Task.IsCompleted)
        {
            _outbound.Writer.TryWrite(new StreamingMessage
            {
                RequestId = NewRequestId(),
                WorkerTerminate = new WorkerTerminate { GracePeriod = Duration.FromTimeSpan(gracePeriod) },
            });
            try
            {
                await _process.Exited.WaitAsync(gracePeriod).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                LogKillingAfterGrace(_logger, _process.Id, gracePeriod.TotalSeconds);
            }
        }

        _process.Kill();
        await _process.Exited.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.Zero).ConfigureAwait(false);
        _process?.Dispose();
    }

    private static void EnsureSuccess(StatusResult? result, string step)
    {
        if (result is null || result.Status == StatusResult.Types.Status.Success)
        {
            return;
        }

        var reason = result.Exception is { } ex ? $"{ex.Message}{Environment.NewLine}{ex.StackTrace}" : result.Result;
        throw new InvalidOperationException($"The worker failed {step}: {reason}");
    }

    private static string FormatOutput(string output) =>
        output.Length == 0 ? "" : $"{Environment.NewLine}Worker output:{Environment.NewLine}{output}";

    private static string NewRequestId() => Guid.NewGuid().ToString();

    [LoggerMessage(EventId = 30, Level = LogLevel.Debug, Message = "Launched worker pid {ProcessId}: {WorkerPath}")]
    private static partial void LogLaunched(ILogger logger, int processId, string workerPath);

    [LoggerMessage(EventId = 31, Level = LogLevel.Debug, Message = "Worker event stream ended: {Reason}")]
    private static partial void LogStreamBroken(ILogger logger, string reason);

    [LoggerMessage(EventId = 32, Level = LogLevel.Debug, Message = "Unexpected {MessageType} from the worker (request id {RequestId})")]
    private static partial void LogUnexpectedMessage(ILogger logger, StreamingMessage.ContentOneofCase messageType, string requestId);

    [LoggerMessage(EventId = 33, Level = LogLevel.Warning, Message = "Worker pid {ProcessId} did not exit within {GraceSeconds} s of WorkerTerminate; killing it")]
    private static partial void LogKillingAfterGrace(ILogger logger, int processId, double graceSeconds);
}
