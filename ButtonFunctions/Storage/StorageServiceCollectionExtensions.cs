using ButtonFunctions.Clicks;
using ButtonFunctions.Destinations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using MongoDB.Driver;

namespace ButtonFunctions.Storage;

/// <summary>Registers the click store over MongoDB.Driver.</summary>
public static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// <see cref="MongoOptions"/> (validated at start-up), one singleton <see cref="IMongoClient"/>,
    /// <see cref="IClickStore"/>, <see cref="IClickReader"/>, <see cref="IDestinationStore"/>, and the background start-up
    /// work (server check, index creation) whose state <see cref="ClickStoreSetup"/> holds for readiness.
    /// </summary>
    public static IServiceCollection AddClickStorage(this IServiceCollection services)
    {
        services.AddOptions<MongoOptions>().BindConfiguration(MongoOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MongoOptions>, MongoOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IMongoClient>(sp => new MongoClient(CreateClientSettings(sp.GetRequiredService<IOptions<MongoOptions>>().Value)));
        services.TryAddSingleton<ClickStore>();
        services.TryAddSingleton<IClickStore>(sp => sp.GetRequiredService<ClickStore>());
        services.TryAddSingleton<IClickReader, ClickReader>();
        services.TryAddSingleton<IDestinationStore, DestinationStore>();
        services.TryAddSingleton<ClickStoreSetup>();
        services.AddHostedService<ClickStoreInitializer>();
        return services;
    }

    /// <summary>Settings from the connection string, with timeouts short enough to answer 503 within AWS's wait.</summary>
    internal static MongoClientSettings CreateClientSettings(MongoOptions options)
    {
        var settings = MongoClientSettings.FromConnectionString(options.ConnectionString);
        settings.ServerSelectionTimeout = options.ServerSelectionTimeout;
        settings.ConnectTimeout = options.ConnectTimeout;
        settings.SocketTimeout = options.SocketTimeout;
        settings.ApplicationName ??= "ButtonFunctions";
        return settings;
    }
}
