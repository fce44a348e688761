using ButtonFunctions.Diagnostics;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace ButtonFunctions.Auth;

/// <summary>
/// Runs before every HTTP-triggered function: lets the request through with its <see cref="Caller"/>,
/// or writes the 401/403 itself and never invokes the function.
/// </summary>
internal sealed class TokenValidationMiddleware(AccessGate gate) : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        // Set by the ASP.NET Core integration's proxying middleware, which runs before this one.
        var http = context.GetHttpContext()
            ?? throw new InvalidOperationException("Token validation needs the ASP.NET Core integration (ConfigureFunctionsWebApplication).");

        var decision = await gate.DecideAsync(context.FunctionDefinition.Name, http.Request, context.CancellationToken).ConfigureAwait(false);
        if (!decision.Allowed)
        {
            AppMetrics.Add(AppMetrics.AuthRefused, 1, AppMetrics.ReasonTag, decision.Reason ?? "other");
            await decision.WriteAsync(http).ConfigureAwait(false);
            return;
        }

        if (decision.Caller is { } caller)
        {
            context.SetCaller(caller);
        }

        await next(context).ConfigureAwait(false);
    }
}
