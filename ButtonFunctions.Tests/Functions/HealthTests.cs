using ButtonFunctions.Functions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using HealthReport = ButtonFunctions.Functions.HealthReport;
using ButtonFunctions.Http;

namespace ButtonFunctions.Tests.Functions;

[Trait("Category", "Unit")]
public sealed class HealthTests
{
    private static Health CreateHealth(params (string Name, HealthCheckResult Result)[] checks)
    {
        var services = new ServiceCollection().AddLogging();
        var builder = services.AddHealthChecks();
        foreach (var (name, result) in checks)
        {
            builder.AddCheck(name, () => result, tags: ["ready"]);
        }

        // A check without the ready tag must never run for ?ready.
        builder.AddCheck("not-a-readiness-check", () => throw new InvalidOperationException("must not run"));
        return new Health(services.BuildServiceProvider().GetRequiredService<HealthCheckService>());
    }

    private static HttpRequest Request(string query = "")
    {
        var context = new DefaultHttpContext();
        context.Request.QueryString = new QueryString(query);
        return context.Request;
    }

    [Fact]
    public async Task Health_reports_app_name_and_version_without_running_any_check()
    {
        var result = await CreateHealth(("store", HealthCheckResult.Unhealthy("down"))).Run(Request());

        var ok = Assert.IsType<OkObjectResult>(result);
        var report = Assert.IsType<HealthReport>(ok.Value);
        Assert.Equal("ButtonFunctions", report.Name);
        Assert.Equal("0.1.0", report.Version);
        Assert.Equal("Healthy", report.Status);
    }

    [Fact]
    public async Task Ready_answers_200_when_every_dependency_is_healthy()
    {
        var result = await CreateHealth(("store", HealthCheckResult.Healthy("up")), ("issuer", HealthCheckResult.Healthy("keys"))).Run(Request("?ready"));

        var ok = Assert.IsType<OkObjectResult>(result);
        var report = Assert.IsType<ReadinessReport>(ok.Value);
        Assert.Equal("Ready", report.Status);
        Assert.Equal(["issuer", "store"], report.Checks.Keys.Order());
    }

    [Fact]
    public async Task Ready_answers_503_with_Retry_After_naming_the_dependency_that_is_down()
    {
        var request = Request("?ready");
        var result = await CreateHealth(("store", HealthCheckResult.Unhealthy("down")), ("issuer", HealthCheckResult.Healthy("keys"))).Run(request);

        var answer = Assert.IsType<ObjectResult>(result);
        Assert.Equal(StatusCodes.Status503ServiceUnavailable, answer.StatusCode);
        Assert.Equal("10", request.HttpContext.Response.Headers.RetryAfter.ToString());
        var report = Assert.IsType<ReadinessReport>(answer.Value);
        Assert.Equal("NotReady", report.Status);
        Assert.Equal("Unhealthy", report.Checks["store"].Status);
        Assert.Equal("Healthy", report.Checks["issuer"].Status);
    }
}
