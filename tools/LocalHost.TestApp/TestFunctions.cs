using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace LocalHost.TestApp;

/// <summary>Functions that show what LocalHost delivers to a worker and back.</summary>
public sealed partial class TestFunctions(ILogger<TestFunctions> logger)
{
    /// <summary>Echoes what arrived: bound route parameters, route values, query, headers and body.</summary>
    [Function("Echo")]
    public async Task<IActionResult> Echo(
        [HttpTrigger(AuthorizationLevel.Function, "get", "post", "put", Route = "echo/{id:int}/{name?}")] HttpRequest request,
        int id,
        string? name)
    {
        LogEcho(logger, id);
        using var reader = new StreamReader(request.Body);
        var body = await reader.ReadToEndAsync(request.HttpContext.RequestAborted);
        return new OkObjectResult(new EchoReport(
            id,
            name,
            request.Method,
            request.Path,
            request.Host.Value ?? "",
            request.RouteValues.ToDictionary(v => v.Key, v => Convert.ToString(v.Value, CultureInfo.InvariantCulture)),
            request.Query.ToDictionary(q => q.Key, q => q.Value.ToString()),
            request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            body));
    }

    /// <summary>Throws, with a message that must stay out of HTTP responses.</summary>
    [Function("Throw")]
    public static IActionResult Throw([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "throw")] HttpRequest request)
    {
        throw new InvalidOperationException("secret detail: the function failed on purpose");
    }

    /// <summary>Answers after a delay, to keep an invocation in flight.</summary>
    [Function("Slow")]
    public static async Task<IActionResult> Slow(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "slow/{milliseconds:int}")] HttpRequest request, int milliseconds)
    {
        await Task.Delay(milliseconds, request.HttpContext.RequestAborted);
        return new ContentResult { Content = "slow done", ContentType = "text/plain", StatusCode = 200 };
    }

    /// <summary>Answers with the given status and the headers an API uses for throttling and auth failures.</summary>
    [Function("Status")]
    public static IActionResult Status([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "status/{code:int}")] HttpRequest request, int code)
    {
        request.HttpContext.Response.Headers.RetryAfter = "7";
        request.HttpContext.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
        return new ContentResult
        {
            StatusCode = code,
            ContentType = "application/problem+json",
            Content = "{\"type\":\"urn:test:status\",\"status\":" + code.ToString(CultureInfo.InvariantCulture) + "}",
        };
    }

    /// <summary>Streams a body larger than anything LocalHost holds back: bytes i % 251 for i in [0, size).</summary>
    [Function("Large")]
    public static async Task Large([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "large/{size:int}")] HttpRequest request, int size)
    {
        var response = request.HttpContext.Response;
        response.ContentType = "application/octet-stream";
        var chunk = new byte[8192];
        for (var written = 0; written < size; written += chunk.Length)
        {
            var count = Math.Min(chunk.Length, size - written);
            for (var i = 0; i < count; i++)
            {
                chunk[i] = (byte)((written + i) % 251);
            }

            await response.Body.WriteAsync(chunk.AsMemory(0, count), request.HttpContext.RequestAborted);
        }
    }

    /// <summary>Declares no methods, so every method reaches it.</summary>
    [Function("AnyMethod")]
    public static IActionResult AnyMethod([HttpTrigger(AuthorizationLevel.Anonymous, Route = "any")] HttpRequest request) =>
        new ContentResult { Content = request.Method, ContentType = "text/plain", StatusCode = 200 };

    /// <summary>Returns an environment variable of the worker, to show which settings reached it.</summary>
    [Function("Setting")]
    public static IActionResult Setting([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "setting/{name}")] HttpRequest request, string name) =>
        Environment.GetEnvironmentVariable(name) is { } value
            ? new ContentResult { Content = value, ContentType = "text/plain", StatusCode = 200 }
            : new NotFoundResult();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Echo called for {Id}")]
    private static partial void LogEcho(ILogger logger, int id);
}

/// <summary>What <see cref="TestFunctions.Echo"/> saw.</summary>
public sealed record EchoReport(
    int Id,
    string? Name,
    string Method,
    string Path,
    string Host,
    Dictionary<string, string?> RouteValues,
    Dictionary<string, string> Query,
    Dictionary<string, string> Headers,
    string Body);
