using Azure.Core;
using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using ButtonFunctions.Diagnostics;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace ButtonFunctions.Telemetry;

/// <summary>
/// Telemetry through the Functions worker's supported OpenTelemetry path (README, "Operations"): the worker defaults
/// (<c>UseFunctionsWorkerDefaults</c>: its invocation activity, the Functions resource, and the capability that tells
/// the host — <c>telemetryMode: OpenTelemetry</c> in host.json — that the worker exports its own logs and traces), the
/// app's meter and activity source, and MongoDB.Driver's activity source. Exported to Azure Monitor when
/// <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is set (with the managed identity that
/// <c>APPLICATIONINSIGHTS_AUTHENTICATION_STRING</c> names, as the host does), and over OTLP when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set. With neither, nothing is registered: nothing is collected or exported.
/// </summary>
public static class TelemetryApplicationBuilderExtensions
{
    public const string ConnectionStringSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";
    public const string AuthenticationStringSetting = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING";
    public const string OtlpEndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>MongoDB.Driver's own activity source (MongoTelemetry.ActivitySourceName, driver 3.7 and later).</summary>
    public const string MongoDriverActivitySource = "MongoDB.Driver";

    /// <summary>
    /// Call before any other middleware of the app: the request telemetry must see the auth middleware's refusals.
    /// </summary>
    public static FunctionsApplicationBuilder AddButtonFunctionsTelemetry(this FunctionsApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.UseWhen<RequestTelemetryMiddleware>(static context =>
            context.FunctionDefinition.InputBindings.Values.Any(static binding =>
                string.Equals(binding.Type, "httpTrigger", StringComparison.OrdinalIgnoreCase)));

        var exporters = TelemetryExporters.From(builder.Configuration);
        if (exporters.None)
        {
            return builder;
        }

        var otel = builder.Services.AddOpenTelemetry()
            .UseFunctionsWorkerDefaults()
            .WithTracing(tracing => tracing.AddSource(AppTelemetry.Name, MongoDriverActivitySource))
            .WithMetrics(metrics => metrics.AddMeter(AppTelemetry.Name));

        if (exporters.AzureMonitorConnectionString is { } connectionString)
        {
            var credential = exporters.AzureMonitorCredential();
            otel.UseAzureMonitorExporter(options =>
            {
                options.ConnectionString = connectionString;
                if (credential is not null)
                {
                    options.Credential = credential;
                }
            });
        }

        if (exporters.OtlpEndpoint is not null)
        {
            // The standard OTEL_EXPORTER_OTLP_* variables configure it (endpoint, protocol, headers, export interval).
            otel.UseOtlpExporter();
        }

        return builder;
    }
}

/// <summary>Which exporters the configuration asks for. Neither setting present: none, and no telemetry at all.</summary>
public sealed record TelemetryExporters(string? AzureMonitorConnectionString, string? AuthenticationString, string? OtlpEndpoint)
{
    public bool None => AzureMonitorConnectionString is null && OtlpEndpoint is null;

    public static TelemetryExporters From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return new TelemetryExporters(
            NonEmpty(configuration[TelemetryApplicationBuilderExtensions.ConnectionStringSetting]),
            NonEmpty(configuration[TelemetryApplicationBuilderExtensions.AuthenticationStringSetting]),
            NonEmpty(configuration[TelemetryApplicationBuilderExtensions.OtlpEndpointSetting]));
    }

    /// <summary>
    /// The Entra credential for Azure Monitor ingestion: <c>Authorization=AAD</c> in the authentication string means a
    /// managed identity, the user-assigned one when it names <c>ClientId=...</c> (the form the Functions host reads,
    /// and infra/app/api.bicep sets). Null without it: the connection string's instrumentation key alone, which an
    /// Application Insights resource with local auth disabled (ours) refuses.
    /// </summary>
    public TokenCredential? AzureMonitorCredential()
    {
        if (AuthenticationString is null)
        {
            return null;
        }

        string? clientId = null;
        var aad = false;
        foreach (var part in AuthenticationString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                continue;
            }

            var key = part[..equals].Trim();
            var value = part[(equals + 1)..].Trim();
            if (key.Equals("Authorization", StringComparison.OrdinalIgnoreCase))
            {
                aad = value.Equals("AAD", StringComparison.OrdinalIgnoreCase);
            }
            else if (key.Equals("ClientId", StringComparison.OrdinalIgnoreCase) && value.Length > 0)
            {
                clientId = value;
            }
        }

        if (!aad)
        {
            return null;
        }

        return clientId is null
            ? new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned)
            : new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId));
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
