using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace ButtonFunctions.Http;

/// <summary>
/// The one way this app writes an <c>application/problem+json</c> answer (RFC 9457): functions return
/// <see cref="Result"/>, the auth middleware calls <see cref="WriteAsync"/>; both go through ASP.NET Core's problem
/// result, so the body shape and content type cannot drift apart.
/// </summary>
public static class Problems
{
    public static ProblemDetails Create(int status, string type, string title, string detail) =>
        new() { Status = status, Type = type, Title = title, Detail = detail };

    /// <summary>An action result that writes <paramref name="problem"/>, for a function to return.</summary>
    public static IActionResult Result(ProblemDetails problem) => new ProblemActionResult(problem);

    /// <summary>Writes <paramref name="problem"/> as the response (status from the problem).</summary>
    public static Task WriteAsync(HttpContext http, ProblemDetails problem)
    {
        ArgumentNullException.ThrowIfNull(http);
        return Results.Problem(problem).ExecuteAsync(http);
    }

    // IStatusCodeActionResult: what the request telemetry reads the answer's status from before the result runs.
    private sealed class ProblemActionResult(ProblemDetails problem) : IActionResult, Microsoft.AspNetCore.Mvc.Infrastructure.IStatusCodeActionResult
    {
        public int? StatusCode => problem.Status;

        public Task ExecuteResultAsync(ActionContext context) => WriteAsync(context.HttpContext, problem);
    }
}
