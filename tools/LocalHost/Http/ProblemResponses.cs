using Microsoft.AspNetCore.Http;

namespace LocalHost.Http;

/// <summary>
/// The errors LocalHost itself answers with, as application/problem+json. They never carry exception details:
/// those go to LocalHost's log, keyed by the invocation id that the response does carry.
/// </summary>
internal static class ProblemResponses
{
    public const string FunctionFailedType = "urn:localhost:problem:function-failed";
    public const string WorkerUnavailableType = "urn:localhost:problem:worker-unavailable";
    public const string WorkerUnreachableType = "urn:localhost:problem:worker-unreachable";
    public const string BadRequestBodyType = "urn:localhost:problem:bad-request-body";
    public const string TransferCodingNotImplementedType = "urn:localhost:problem:transfer-coding-not-implemented";

    public static Task FunctionFailedAsync(HttpContext context, string invocationId) =>
        WriteAsync(context, StatusCodes.Status500InternalServerError, FunctionFailedType,
            "The function failed.", "The function threw an exception; LocalHost's log has the details.", invocationId);

    public static Task WorkerUnavailableAsync(HttpContext context, string? invocationId)
    {
        context.Response.Headers.RetryAfter = "1";
        return WriteAsync(context, StatusCodes.Status503ServiceUnavailable, WorkerUnavailableType,
            "The Functions worker is not running.", "The worker is starting or restarting; try again shortly.", invocationId);
    }

    public static Task WorkerUnreachableAsync(HttpContext context, string invocationId) =>
        WriteAsync(context, StatusCodes.Status502BadGateway, WorkerUnreachableType,
            "The Functions worker did not answer.", "LocalHost could not exchange the request with the worker; its log has the details.", invocationId);

    /// <summary>The client's body broke off, was framed wrongly or came too slowly: the status Kestrel gives it.</summary>
    public static Task BadRequestBodyAsync(HttpContext context, int status, string invocationId) =>
        WriteAsync(context, status, BadRequestBodyType,
            status == StatusCodes.Status408RequestTimeout ? "Request body too slow." : "Malformed request body.",
            status == StatusCodes.Status408RequestTimeout
                ? "The request body did not arrive in time."
                : "The request body could not be read: its framing is malformed or it ended before its declared length.",
            invocationId);

    public static Task TransferCodingNotImplementedAsync(HttpContext context) =>
        WriteAsync(context, StatusCodes.Status501NotImplemented, TransferCodingNotImplementedType,
            "Transfer coding not implemented.",
            "Only the chunked transfer coding is understood; send the body with Content-Length, or Transfer-Encoding: chunked alone.", null);

    private static Task WriteAsync(HttpContext context, int status, string type, string title, string detail, string? invocationId)
    {
        var response = context.Response;
        var retryAfter = response.Headers.RetryAfter;
        response.Clear();
        if (!string.IsNullOrEmpty(retryAfter))
        {
            response.Headers.RetryAfter = retryAfter;
        }

        var extensions = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (invocationId is not null)
        {
            extensions["invocationId"] = invocationId;
        }

        return TypedResults.Problem(detail, instance: null, status, title, type, extensions).ExecuteAsync(context);
    }
}
