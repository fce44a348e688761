using System.Diagnostics;
using System.Net;
using LocalHost.Rpc;
using LocalHost.Worker;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace LocalHost.Http;

/// <summary>
/// Serves one HTTP request the way the Functions host does in ASP.NET Core integration mode: it sends an
/// InvocationRequest over gRPC and forwards the HTTP request itself to the worker's Kestrel, which pairs the
/// two by invocation id and runs the function once both have arrived.
/// </summary>
internal sealed partial class InvocationForwarder : IDisposable
{
    // Azure's front end gives an HTTP-triggered function 230 s to answer; the same patience here.
    private static readonly ForwarderRequestConfig RequestConfig = new()
    {
        ActivityTimeout = TimeSpan.FromSeconds(230),
        Version = HttpVersion.Version11,
        VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
    };

    private readonly IHttpForwarder _forwarder;
    private readonly Func<WorkerSession?> _currentSession;
    private readonly ILogger _logger;
    private readonly HttpMessageInvoker _client = new(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        ActivityHeadersPropagator = null,
        ConnectTimeout = TimeSpan.FromSeconds(15),
        // Kestrel accepts header values in UTF-8 (e.g. a zero-width space before a token) and hands them to the
        // application decoded; sending them on as the same UTF-8 bytes gives the worker's Kestrel the value the client
        // sent. Without this HttpClient refuses any non-ASCII value and a client's odd header became a 502.
        RequestHeaderEncodingSelector = static (_, _) => System.Text.Encoding.UTF8,
    }, disposeHandler: true);

    public InvocationForwarder(IHttpForwarder forwarder, Func<WorkerSession?> currentSession, ILogger logger)
    {
        _forwarder = forwarder;
        _currentSession = currentSession;
        _logger = logger;
    }

    public async Task ForwardAsync(HttpContext context, LoadedFunction function)
    {
        var transferEncoding = context.Request.Headers.TransferEncoding;
        if (RequestFraming.HasUnsupportedTransferCoding(transferEncoding))
        {
            string codings = transferEncoding!;
            LogTransferCodingRefused(_logger, function.Name, codings);
            await ProblemResponses.TransferCodingNotImplementedAsync(context).ConfigureAwait(false);
            return;
        }

        var session = _currentSession();
        if (session is null || !session.TryGetFunction(function.Name, out var loaded))
        {
            await ProblemResponses.WorkerUnavailableAsync(context, invocationId: null).ConfigureAwait(false);
            return;
        }

        var invocationId = Guid.NewGuid().ToString();
        var started = Stopwatch.GetTimestamp();
        LogExecuting(_logger, function.Name, invocationId);

        var invocation = session.InvokeAsync(BuildInvocationRequest(context, loaded.FunctionId, invocationId));
        var body = new FaultRecordingBody(context.Request.Body);
        context.Request.Body = body;
        var transformer = new InvocationTransformer(invocationId, invocation, body);

        // If the invocation fails before the worker's HTTP side answers (it then waits ~5 s for a function
        // context that never comes), stop waiting for HTTP and report the failure now.
        using var forwarding = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        _ = invocation.ContinueWith(
            static (t, state) =>
            {
                var (cts, transformer) = ((CancellationTokenSource, InvocationTransformer))state!;
                if (!InvocationOutcome.Succeeded(t) && !transformer.ResponseReceived)
                {
                    try
                    {
                        cts.Cancel();
                    }
                    catch (ObjectDisposedException)
                    {
                        // The request already finished.
                    }
                }
            },
            (forwarding, transformer), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        using var cancelOnAbort = context.RequestAborted.Register(() =>
        {
            if (!invocation.IsCompleted)
            {
                session.Cancel(invocationId);
            }
        });

        ForwarderError error;
        try
        {
            error = await _forwarder.SendAsync(context, session.HttpUri.AbsoluteUri, _client, RequestConfig, transformer, forwarding.Token)
                .ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            error = ForwarderError.RequestCanceled;
        }

        // The client's own body failed (malformed chunked framing, shorter than its Content-Length, too slow): that is
        // the client's fault, answered with the status Kestrel gives it, never as a worker failure.
        var clientFault = error == ForwarderError.RequestBodyClient
            ? RequestFraming.ClientFaultStatus(context.GetForwarderErrorFeature()?.Exception) ?? body.ClientFaultStatus ?? StatusCodes.Status400BadRequest
            : body.ClientFaultStatus;
        if (clientFault is { } faultStatus)
        {
            if (!invocation.IsCompleted)
            {
                session.Cancel(invocationId);
            }

            var reason = context.GetForwarderErrorFeature()?.Exception?.GetBaseException();
            LogClientBodyFault(_logger, function.Name, invocationId, faultStatus, reason?.Message);
            if (!context.RequestAborted.IsCancellationRequested && !context.Response.HasStarted)
            {
                await ProblemResponses.BadRequestBodyAsync(context, faultStatus, invocationId).ConfigureAwait(false);
            }
        }
        else if (!transformer.ResponseReceived)
        {
            // The worker's HTTP side never answered: the function cannot have produced a response.
            if (!invocation.IsCompleted)
            {
                session.Cancel(invocationId);
            }

            if (!context.RequestAborted.IsCancellationRequested && !context.Response.HasStarted)
            {
                if (invocation.IsCompleted && !InvocationOutcome.Succeeded(invocation))
                {
                    await ProblemResponses.FunctionFailedAsync(context, invocationId).ConfigureAwait(false);
                }
                else
                {
                    LogForwardingFailed(_logger, function.Name, invocationId, error, context.GetForwarderErrorFeature()?.Exception?.Message);
                    await ProblemResponses.WorkerUnreachableAsync(context, invocationId).ConfigureAwait(false);
                }
            }
        }
        else if (!transformer.FailureWritten)
        {
            // The worker's response went out (normally after the hold; a body larger than the hold limit before the
            // outcome was known). A failure known only now can no longer change a status already sent, but the
            // client must not take that response as complete.
            await ((Task)invocation).WaitAsync(RequestConfig.ActivityTimeout!.Value, context.RequestAborted)
                .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            var failed = invocation.IsCompleted && !InvocationOutcome.Succeeded(invocation);
            if (context.RequestAborted.IsCancellationRequested)
            {
                // Nobody is listening any more.
            }
            else if (context.Response.HasStarted)
            {
                if (failed)
                {
                    context.Abort();
                }
            }
            else if (failed)
            {
                await ProblemResponses.FunctionFailedAsync(context, invocationId).ConfigureAwait(false);
            }
            else if (error != ForwarderError.None)
            {
                LogForwardingFailed(_logger, function.Name, invocationId, error, context.GetForwarderErrorFeature()?.Exception?.Message);
                await ProblemResponses.WorkerUnreachableAsync(context, invocationId).ConfigureAwait(false);
            }
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        if (clientFault is not null)
        {
            // Already logged: the invocation was cancelled for the client's fault, not failed by the function.
        }
        else if (context.RequestAborted.IsCancellationRequested && !invocation.IsCompleted)
        {
            LogClientDisconnected(_logger, function.Name, invocationId, elapsed.TotalMilliseconds);
        }
        else if (InvocationOutcome.Succeeded(invocation))
        {
            LogExecuted(_logger, function.Name, "Succeeded", invocationId, elapsed.TotalMilliseconds);
        }
        else
        {
            LogExecutedWithFailure(_logger, function.Name, InvocationOutcome.Describe(invocation), invocationId, elapsed.TotalMilliseconds,
                invocation.IsCompletedSuccessfully && invocation.Result.Result?.Exception is { } ex ? new RemoteWorkerException(ex) : invocation.Exception?.GetBaseException());
        }
    }

    /// <summary>
    /// The trigger metadata carries the route values and query parameters as strings: the worker binds
    /// function parameters such as <c>string id</c> from it (without them they bind as null). The trace
    /// context must be present, even empty, or the worker fails the invocation.
    /// </summary>
    private static InvocationRequest BuildInvocationRequest(HttpContext context, string functionId, string invocationId)
    {
        var request = new InvocationRequest
        {
            InvocationId = invocationId,
            FunctionId = functionId,
            TraceContext = new RpcTraceContext { TraceParent = SampledTraceParent(Activity.Current) },
        };

        foreach (var (key, value) in context.Request.Query)
        {
            request.TriggerMetadata[key] = new TypedData { String = value.ToString() };
        }

        // Route values win over query parameters of the same name, as in the Functions host.
        foreach (var (key, value) in context.Request.RouteValues)
        {
            if (value is not null)
            {
                request.TriggerMetadata[key] = new TypedData { String = Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "" };
            }
        }

        return request;
    }

    /// <summary>
    /// The invocation's parent, as the Functions host passes its own request activity: the caller's trace id (ASP.NET
    /// Core read its <c>traceparent</c> header into the current activity) or a new one, marked sampled (flags 01).
    /// LocalHost samples every request, as a host with sampling off does: under the worker's OpenTelemetry (sampling
    /// follows the parent) an unsampled parent, which LocalHost's own unlistened activity would be, records nothing.
    /// </summary>
    internal static string SampledTraceParent(Activity? current) => current is { IdFormat: ActivityIdFormat.W3C }
        ? $"00-{current.TraceId.ToHexString()}-{current.SpanId.ToHexString()}-01"
        : $"00-{ActivityTraceId.CreateRandom().ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01";

    public void Dispose() => _client.Dispose();

    [LoggerMessage(EventId = 40, Level = LogLevel.Information, Message = "Executing 'Functions.{FunctionName}' (Id={InvocationId})")]
    private static partial void LogExecuting(ILogger logger, string functionName, string invocationId);

    [LoggerMessage(EventId = 41, Level = LogLevel.Information,
        Message = "Executed 'Functions.{FunctionName}' ({Outcome}, Id={InvocationId}, Duration={DurationMs:0}ms)")]
    private static partial void LogExecuted(ILogger logger, string functionName, string outcome, string invocationId, double durationMs);

    [LoggerMessage(EventId = 42, Level = LogLevel.Error,
        Message = "Executed 'Functions.{FunctionName}' ({Outcome}, Id={InvocationId}, Duration={DurationMs:0}ms)")]
    private static partial void LogExecutedWithFailure(ILogger logger, string functionName, string outcome, string invocationId, double durationMs, Exception? exception);

    [LoggerMessage(EventId = 44, Level = LogLevel.Information,
        Message = "Client disconnected from 'Functions.{FunctionName}' (Id={InvocationId}, Duration={DurationMs:0}ms); the worker was asked to cancel it")]
    private static partial void LogClientDisconnected(ILogger logger, string functionName, string invocationId, double durationMs);

    [LoggerMessage(EventId = 45, Level = LogLevel.Information,
        Message = "The client's request body for 'Functions.{FunctionName}' (Id={InvocationId}) could not be read; answered {Status}: {Reason}")]
    private static partial void LogClientBodyFault(ILogger logger, string functionName, string invocationId, int status, string? reason);

    [LoggerMessage(EventId = 46, Level = LogLevel.Information,
        Message = "Refused a request for 'Functions.{FunctionName}' with Transfer-Encoding '{TransferEncoding}': only chunked is implemented (501)")]
    private static partial void LogTransferCodingRefused(ILogger logger, string functionName, string transferEncoding);

    [LoggerMessage(EventId = 43, Level = LogLevel.Error,
        Message = "Forwarding 'Functions.{FunctionName}' (Id={InvocationId}) to the worker failed: {Error} {Reason}")]
    private static partial void LogForwardingFailed(ILogger logger, string functionName, string invocationId, ForwarderError error, string? reason);
}
