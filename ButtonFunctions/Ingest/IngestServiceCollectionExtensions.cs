using ButtonFunctions.Ingest;
using ButtonFunctions.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

// In the DI namespace by convention, so the composition root needs no extra using.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers click ingestion: limits, parsing, destination confirmation and the click store.</summary>
public static class IngestServiceCollectionExtensions
{
    public const string DestinationConfirmationClient = "DestinationConfirmation";

    public static IServiceCollection AddClickIngestion(this IServiceCollection services)
    {
        services.AddOptions<IngestOptions>().BindConfiguration(IngestOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<DestinationOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<DestinationOptions>, DestinationOptionsSetup>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DestinationOptions>, DestinationOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ClickIngestion>();

        // Redirects are never followed: an allowed URL must not be able to bounce the request elsewhere.
        services.AddHttpClient<DestinationConfirmer>(
                DestinationConfirmationClient,
                (sp, client) => client.Timeout = sp.GetRequiredService<IOptions<DestinationOptions>>().Value.ConfirmationTimeout)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false });

        services.AddClickStorage();
        return services;
    }
}
