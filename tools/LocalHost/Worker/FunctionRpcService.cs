using Grpc.Core;
using LocalHost.Rpc;
using Microsoft.Extensions.Logging;

namespace LocalHost.Worker;

/// <summary>The host side of FunctionRpc.EventStream: the worker calls in and sends StartStream first.</summary>
internal sealed partial class FunctionRpcService(WorkerStreamBroker broker, ILogger<FunctionRpcService> logger) : FunctionRpc.FunctionRpcBase
{
    public override async Task EventStream(
        IAsyncStreamReader<StreamingMessage> requestStream,
        IServerStreamWriter<StreamingMessage> responseStream,
        ServerCallContext context)
    {
        if (!await requestStream.MoveNext(context.CancellationToken).ConfigureAwait(false)
            || requestStream.Current.StartStream is not { } start)
        {
            LogNoStartStream(logger);
            return;
        }

        if (!broker.TryClaim(start.WorkerId, out var session))
        {
            LogUnknownWorker(logger, start.WorkerId);
            return;
        }

        await session.RunStreamAsync(requestStream, responseStream, context.CancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Warning, Message = "A worker opened an event stream without StartStream; closing it")]
    private static partial void LogNoStartStream(ILogger logger);

    [LoggerMessage(EventId = 21, Level = LogLevel.Warning, Message = "Event stream from unknown worker {WorkerId}; closing it")]
    private static partial void LogUnknownWorker(ILogger logger, string workerId);
}
