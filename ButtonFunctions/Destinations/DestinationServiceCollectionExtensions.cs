using ButtonFunctions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ButtonFunctions.Destinations;

/// <summary>Registers AWS IoT topic rule destination confirmation (its store is registered with the storage).</summary>
public static class DestinationServiceCollectionExtensions
{
    /// <summary>The named HTTP client that fetches confirmation URLs.</summary>
    public const string ConfirmationClient = "DestinationConfirmation";

    public static IServiceCollection AddDestinationConfirmation(this IServiceCollection services)
    {
        services.AddOptions<DestinationOptions>()
            .BindConfiguration(DestinationOptions.SectionName)
            .BindList(DestinationOptions.SectionName + ":" + nameof(DestinationOptions.AllowedArns), o => o.AllowedArns)
            .BindList(DestinationOptions.SectionName + ":" + nameof(DestinationOptions.AllowedEnableUrlPrefixes), o => o.AllowedEnableUrlPrefixes)
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DestinationOptions>, DestinationOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ConfirmationRateLimiter>();
        services.TryAddSingleton<UnlistedDestinationLog>();

        // Redirects are never followed: an allowed URL must not be able to bounce the request elsewhere.
        services.AddHttpClient<DestinationConfirmer>(
                ConfirmationClient,
                (sp, client) => client.Timeout = sp.GetRequiredService<IOptions<DestinationOptions>>().Value.ConfirmationTimeout)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false });
        return services;
    }
}
