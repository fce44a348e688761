using System.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace ButtonFunctions.Functions;

/// <summary>Liveness probe: answers without touching any dependency.</summary>
public sealed class Health
{
    private static readonly string AppVersion =
        typeof(Health).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? "0.0.0";

    [Function(nameof(Health))]
    public IActionResult Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest request)
    {
        return new OkObjectResult(new HealthReport("ButtonFunctions", AppVersion, "Healthy"));
    }
}

/// <summary>Body of <c>GET /api/health</c>.</summary>
public sealed record HealthReport(string Name, string Version, string Status);
