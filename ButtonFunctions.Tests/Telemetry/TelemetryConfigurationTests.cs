using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using ButtonFunctions.Diagnostics;
using ButtonFunctions.Telemetry;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace ButtonFunctions.Tests.Telemetry;

/// <summary>Which exporters the app registers for which settings: none at all without a connection string or OTLP endpoint.</summary>
[Collection(TelemetryGroup.Name)]
[Trait("Category", "Unit")]
public sealed class TelemetryConfigurationTests
{
    private const string ConnectionString = "InstrumentationKey=00000000-0000-0000-0000-000000000001;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/";

    private static IHost Build(params (string Key, string Value)[] settings)
    {
        var builder = FunctionsApplication.CreateBuilder([]);
        // Whatever the machine's environment says: these tests decide every telemetry setting.
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [TelemetryApplicationBuilderExtensions.ConnectionStringSetting] = string.Empty,
            [TelemetryApplicationBuilderExtensions.AuthenticationStringSetting] = string.Empty,
            [TelemetryApplicationBuilderExtensions.OtlpEndpointSetting] = string.Empty,
        });
        builder.Configuration.AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)));
        builder.AddButtonFunctionsTelemetry();
        return builder.Build();
    }

    [Fact]
    public void Without_a_connection_string_or_an_OTLP_endpoint_nothing_is_collected_or_exported()
    {
        using var host = Build();

        Assert.Null(host.Services.GetService<MeterProvider>());
        Assert.Null(host.Services.GetService<TracerProvider>());
        Assert.DoesNotContain("WorkerOpenTelemetryEnabled", host.Services.GetRequiredService<IOptions<WorkerOptions>>().Value.Capabilities.Keys);
        // Nobody listens to the app's meter and activity source: recording costs a check and goes nowhere.
        Assert.False(AppMetrics.Requests.Enabled);
        Assert.False(AppTelemetry.ActivitySource.HasListeners());
    }

    [Fact]
    public void An_OTLP_endpoint_turns_on_the_worker_defaults_and_the_apps_meter_and_sources()
    {
        using var host = Build((TelemetryApplicationBuilderExtensions.OtlpEndpointSetting, "http://127.0.0.1:9"));

        using var meters = host.Services.GetRequiredService<MeterProvider>();
        using var tracer = host.Services.GetRequiredService<TracerProvider>();

        Assert.Equal(bool.TrueString, host.Services.GetRequiredService<IOptions<WorkerOptions>>().Value.Capabilities["WorkerOpenTelemetryEnabled"]);
        Assert.True(AppMetrics.Requests.Enabled);
        Assert.True(AppTelemetry.ActivitySource.HasListeners());
        Assert.Empty(host.Services.GetServices<IConfigureOptions<AzureMonitorExporterOptions>>());
    }

    [Fact]
    public void Azure_Monitor_is_configured_with_the_connection_string_and_the_user_assigned_identity_of_the_authentication_string()
    {
        using var host = Build(
            (TelemetryApplicationBuilderExtensions.ConnectionStringSetting, ConnectionString),
            (TelemetryApplicationBuilderExtensions.AuthenticationStringSetting, "ClientId=11111111-2222-3333-4444-555555555555;Authorization=AAD"));

        var options = host.Services.GetRequiredService<IOptionsMonitor<AzureMonitorExporterOptions>>().Get(Options.DefaultName);

        Assert.Equal(ConnectionString, options.ConnectionString);
        Assert.IsType<ManagedIdentityCredential>(options.Credential);
        Assert.Equal(bool.TrueString, host.Services.GetRequiredService<IOptions<WorkerOptions>>().Value.Capabilities["WorkerOpenTelemetryEnabled"]);
    }

    [Theory]
    [InlineData("ClientId=abc;Authorization=AAD", true)]
    [InlineData(" Authorization = aad ; ClientId = abc ", true)]
    [InlineData("Authorization=AAD", true)]
    [InlineData("ClientId=abc", false)]
    [InlineData("Authorization=Key", false)]
    [InlineData(null, false)]
    public void The_authentication_string_means_a_managed_identity_only_with_Authorization_AAD(string? authentication, bool credential)
    {
        var exporters = new TelemetryExporters(ConnectionString, authentication, null);

        Assert.Equal(credential, exporters.AzureMonitorCredential() is ManagedIdentityCredential);
    }
}
