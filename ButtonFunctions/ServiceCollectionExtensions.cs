using ButtonFunctions.Auth;
using ButtonFunctions.Destinations;
using ButtonFunctions.Functions;
using ButtonFunctions.Ingest;
using ButtonFunctions.Read;
using ButtonFunctions.Readiness;
using ButtonFunctions.Storage;
using ButtonFunctions.Telemetry;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ButtonFunctions;

/// <summary>Composition root: one extension per concern, called from Program.cs.</summary>
public static class ButtonFunctionsApplicationBuilderExtensions
{
    public static FunctionsApplicationBuilder AddButtonFunctions(this FunctionsApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);

        LoggingDefaults.AddTo(builder.Configuration);

        // First: its middleware must wrap the auth middleware, so refusals are counted and traced too.
        builder.AddButtonFunctionsTelemetry();
        builder.Services.AddProblemDetails();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<RequestLogSamplers>();
        builder.AddAuth0TokenValidation();
        builder.Services.AddClickIngestion();
        builder.Services.AddClickReading();
        builder.Services.AddDestinationConfirmation();
        builder.Services.AddClickStorage();
        builder.Services.AddReadinessChecks();
        return builder;
    }
}
