using ButtonFunctions.Auth;
using ButtonFunctions.Destinations;
using ButtonFunctions.Ingest;
using ButtonFunctions.Read;
using ButtonFunctions.Readiness;
using ButtonFunctions.Storage;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace ButtonFunctions;

/// <summary>Composition root: one extension per concern, called from Program.cs.</summary>
public static class ButtonFunctionsApplicationBuilderExtensions
{
    public static FunctionsApplicationBuilder AddButtonFunctions(this FunctionsApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddProblemDetails();
        builder.AddAuth0TokenValidation();
        builder.Services.AddClickIngestion();
        builder.Services.AddClickReading();
        builder.Services.AddDestinationConfirmation();
        builder.Services.AddClickStorage();
        builder.Services.AddReadinessChecks();
        return builder;
    }
}
