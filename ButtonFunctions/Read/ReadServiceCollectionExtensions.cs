using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ButtonFunctions.Read;

/// <summary>Registers the read API: battery thresholds (validated at start-up) and the read use cases (the reader comes with the click storage).</summary>
public static class ReadServiceCollectionExtensions
{
    public static IServiceCollection AddClickReading(this IServiceCollection services)
    {
        services.AddOptions<BatteryOptions>().BindConfiguration(BatteryOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BatteryOptions>, BatteryOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ClickReading>();
        return services;
    }
}
