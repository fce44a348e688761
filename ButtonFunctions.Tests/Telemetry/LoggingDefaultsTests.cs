using ButtonFunctions.Telemetry;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ButtonFunctions.Tests.Telemetry;

/// <summary>
/// The worker's starting log levels: ASP.NET Core's per-request Information lines stay in the worker (each one would
/// cross the host's gRPC stream), its warnings do not, the app's own Information events do, and an app setting wins.
/// </summary>
[Trait("Category", "Unit")]
public sealed class LoggingDefaultsTests
{
    private static ILoggerFactory Loggers(params (string Key, string Value)[] settings)
    {
        var builder = FunctionsApplication.CreateBuilder([]);
        LoggingDefaults.AddTo(builder.Configuration);

        // Added after the defaults, as app settings (environment variables) are in Azure.
        builder.Configuration.AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)));
        var host = builder.Build();
        return host.Services.GetRequiredService<ILoggerFactory>();
    }

    [Fact]
    public void AspNetCore_request_lines_are_off_and_its_warnings_and_the_apps_information_are_on()
    {
        var loggers = Loggers();

        Assert.False(loggers.CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics").IsEnabled(LogLevel.Information));
        Assert.False(loggers.CreateLogger("Microsoft.AspNetCore.Routing.EndpointMiddleware").IsEnabled(LogLevel.Information));
        Assert.True(loggers.CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics").IsEnabled(LogLevel.Warning));
        Assert.True(loggers.CreateLogger("ButtonFunctions.Storage.ClickStoreInitializer").IsEnabled(LogLevel.Information));
        Assert.True(loggers.CreateLogger("Microsoft.Hosting.Lifetime").IsEnabled(LogLevel.Information));
    }

    [Fact]
    public void An_app_setting_overrides_the_default()
    {
        var loggers = Loggers(("Logging:LogLevel:Microsoft.AspNetCore", "Information"));

        Assert.True(loggers.CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics").IsEnabled(LogLevel.Information));
    }

    [Fact]
    public void The_composition_root_applies_the_defaults()
    {
        var builder = FunctionsApplication.CreateBuilder([]);
        builder.AddButtonFunctions();

        Assert.Equal("Warning", builder.Configuration["Logging:LogLevel:Microsoft.AspNetCore"]);
    }
}
