using ButtonFunctions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ButtonFunctions.Ingest;

/// <summary>Registers click ingestion: its limits and the use case (the click store is registered by the storage).</summary>
public static class IngestServiceCollectionExtensions
{
    public static IServiceCollection AddClickIngestion(this IServiceCollection services)
    {
        services.AddOptions<IngestOptions>()
            .BindConfiguration(IngestOptions.SectionName)
            .BindList(IngestOptions.SectionName + ":" + nameof(IngestOptions.DeviceTopicPatterns), o => o.DeviceTopicPatterns)
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<IngestOptions>, IngestOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ClickIngestion>();
        return services;
    }
}
