using System.Diagnostics;
using ButtonFunctions.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Infrastructure;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace ButtonFunctions.Telemetry;

/// <summary>
/// Outermost of the app's worker middleware for HTTP functions: one activity per request (source
/// <see cref="AppTelemetry.Name"/>, named after the function, a child of the worker's invocation activity or of the
/// host's <c>traceparent</c>), and one <c>buttonfunctions.requests</c> count by function and status class, refusals of
/// the auth middleware included. The status is read from what the function returned (the ASP.NET Core integration
/// executes that result after the middleware), or from the response the auth middleware wrote.
/// </summary>
internal sealed class RequestTelemetryMiddleware : IFunctionsWorkerMiddleware
{
    public const string StatusCodeAttribute = "http.response.status_code";

    private readonly Func<FunctionContext, object?> _result;

    public RequestTelemetryMiddleware()
        : this(static context => context.GetInvocationResult().Value)
    {
    }

    /// <param name="result">Reads the function's return value (tests run the middleware without the worker's features).</param>
    internal RequestTelemetryMiddleware(Func<FunctionContext, object?> result) => _result = result;

    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var function = context.FunctionDefinition.Name;
        using var activity = StartActivity(context, function);
        int status;
        try
        {
            await next(context).ConfigureAwait(false);
            status = StatusOf(context);
        }
        catch (Exception ex) when (Record(function, activity, ex))
        {
            throw; // Not reached: Record returns false, so the exception passes untouched (and is counted as a 500).
        }

        AppMetrics.RecordRequest(function, status);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(StatusCodeAttribute, status);
            if (status >= 500)
            {
                activity.SetStatus(ActivityStatusCode.Error);
            }
        }
    }

    private static Activity? StartActivity(FunctionContext context, string function)
    {
        if (!AppTelemetry.ActivitySource.HasListeners())
        {
            return null;
        }

        // Under the worker's OpenTelemetry defaults its invocation activity is current; otherwise join the host's trace.
        if (Activity.Current is null
            && context.TraceContext is { TraceParent: { Length: > 0 } traceParent } trace
            && ActivityContext.TryParse(traceParent, trace.TraceState, out var parent))
        {
            return AppTelemetry.ActivitySource.StartActivity(function, ActivityKind.Internal, parent);
        }

        return AppTelemetry.ActivitySource.StartActivity(function, ActivityKind.Internal);
    }

    private int StatusOf(FunctionContext context) => _result(context) switch
    {
        IStatusCodeActionResult { StatusCode: { } code } => code,
        IActionResult => StatusCodesOk,
        // The function did not run (the auth middleware answered) or returned no action result: what the response holds.
        _ => context.GetHttpContext()?.Response.StatusCode ?? StatusCodesOk,
    };

    private const int StatusCodesOk = 200;

    private static bool Record(string function, Activity? activity, Exception exception)
    {
        // An exception escaping the function becomes the worker's 500.
        AppMetrics.RecordRequest(function, 500);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(StatusCodeAttribute, 500);
            activity.SetStatus(ActivityStatusCode.Error, exception.GetType().Name);
        }

        return false;
    }
}
