using System.Reflection;
using ButtonFunctions.Http;
using ButtonFunctions.Readiness;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ButtonFunctions.Functions;

/// <summary>
/// <c>GET /api/health</c>: liveness, answered without touching any dependency. With <c>?ready</c> it also checks
/// that the click store answers and the token issuer's keys can be had, and answers 503 when either cannot.
/// </summary>
public sealed class Health(HealthCheckService checks)
{
    private static readonly string AppVersion =
        typeof(Health).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? "0.0.0";

    [Function(nameof(Health))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/health")] HttpRequest request)
    {
        if (!request.Query.ContainsKey("ready"))
        {
            return new OkObjectResult(new HealthReport("ButtonFunctions", AppVersion, "Healthy"));
        }

        var report = await checks.CheckHealthAsync(
            static registration => registration.Tags.Contains(ReadinessServiceCollectionExtensions.ReadyTag),
            request.HttpContext.RequestAborted);
        var readiness = new ReadinessReport(
            "ButtonFunctions",
            AppVersion,
            report.Status == HealthStatus.Healthy ? "Ready" : "NotReady",
            report.Entries.ToDictionary(e => e.Key, e => new ReadinessCheck(e.Value.Status.ToString(), e.Value.Description)));
        if (report.Status == HealthStatus.Healthy)
        {
            return new OkObjectResult(readiness);
        }

        RetryAfter.Set(request.HttpContext.Response, RetryAfter.NotReady);
        return new ObjectResult(readiness) { StatusCode = StatusCodes.Status503ServiceUnavailable };
    }
}

/// <summary>Body of <c>GET /api/health</c>.</summary>
public sealed record HealthReport(string Name, string Version, string Status);

/// <summary>Body of <c>GET /api/health?ready</c>: the overall answer and each dependency's.</summary>
public sealed record ReadinessReport(string Name, string Version, string Status, IReadOnlyDictionary<string, ReadinessCheck> Checks);

/// <summary>One dependency's readiness.</summary>
public sealed record ReadinessCheck(string Status, string? Description);
