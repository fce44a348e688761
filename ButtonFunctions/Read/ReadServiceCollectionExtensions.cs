using ButtonFunctions.Read;
using ButtonFunctions.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

// In the DI namespace by convention, so the composition root needs no extra using.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the read API: battery thresholds (validated at start-up), the read use cases and the click store.</summary>
public static class ReadServiceCollectionExtensions
{
    public static IServiceCollection AddClickReading(this IServiceCollection services)
    {
        services.AddOptions<BatteryOptions>().BindConfiguration(BatteryOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BatteryOptions>, BatteryOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ClickReading>();
        services.AddClickStorage();
        return services;
    }
}
