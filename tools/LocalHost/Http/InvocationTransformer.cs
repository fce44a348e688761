using LocalHost.Rpc;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace LocalHost.Http;

/// <summary>
/// Forwarding rules for one invocation: YARP's defaults (X-Forwarded-* headers, hop-by-hop headers dropped)
/// plus the <c>x-ms-invocation-id</c> header that pairs the request with its InvocationRequest, and a response
/// held back until the invocation's outcome is known.
/// </summary>
internal sealed class InvocationTransformer(string invocationId, Task<InvocationResponse> invocation, FaultRecordingBody requestBody) : HttpTransformer
{
    public const string InvocationIdHeader = "x-ms-invocation-id";

    /// <summary>Set once the worker's response headers have arrived.</summary>
    public bool ResponseReceived { get; private set; }

    /// <summary>Set when the worker's response was replaced by a failure problem response.</summary>
    public bool FailureWritten { get; private set; }

    public override async ValueTask TransformRequestAsync(
        HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await Default.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken).ConfigureAwait(false);

        // Replace, never append: a caller's own x-ms-invocation-id (copied by the default transform) would otherwise
        // sit next to ours and the worker could not pair the request with its InvocationRequest.
        proxyRequest.Headers.Remove(InvocationIdHeader);
        proxyRequest.Headers.TryAddWithoutValidation(InvocationIdHeader, invocationId);
    }

    public override async ValueTask<bool> TransformResponseAsync(
        HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        if (proxyResponse is null)
        {
            return await Default.TransformResponseAsync(httpContext, proxyResponse, cancellationToken).ConfigureAwait(false);
        }

        ResponseReceived = true;
        var original = proxyResponse.Content;
        var held = await HeldResponseBody.HoldAsync(
            await original.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), invocation, cancellationToken).ConfigureAwait(false);

        if (requestBody.ClientFaultStatus is not null)
        {
            // The client's body broke off: whatever the worker made of it, the forwarder answers it as Kestrel would.
            await held.DisposeAsync().ConfigureAwait(false);
            FailureWritten = true;
            return false;
        }

        if (invocation.IsCompleted && !InvocationOutcome.Succeeded(invocation))
        {
            await held.DisposeAsync().ConfigureAwait(false);
            FailureWritten = true;
            await ProblemResponses.FunctionFailedAsync(httpContext, invocationId).ConfigureAwait(false);
            return false;
        }

        var content = new StreamContent(held);
        foreach (var header in original.Headers)
        {
            content.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        proxyResponse.Content = content;
        return await Default.TransformResponseAsync(httpContext, proxyResponse, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>How an invocation ended, as far as the HTTP caller is concerned.</summary>
internal static class InvocationOutcome
{
    public static bool Succeeded(Task<InvocationResponse> invocation) =>
        invocation.IsCompletedSuccessfully && invocation.Result.Result?.Status == StatusResult.Types.Status.Success;

    public static string Describe(Task<InvocationResponse> invocation) => invocation switch
    {
        { IsCompletedSuccessfully: true } t => t.Result.Result?.Status.ToString() ?? "Failure",
        { IsFaulted: true } => "WorkerUnavailable",
        _ => "Cancelled",
    };
}
