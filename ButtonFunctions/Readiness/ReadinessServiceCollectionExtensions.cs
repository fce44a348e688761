using Microsoft.Extensions.DependencyInjection;

namespace ButtonFunctions.Readiness;

/// <summary>Registers the readiness checks behind <c>GET /api/health?ready</c>.</summary>
public static class ReadinessServiceCollectionExtensions
{
    /// <summary>Tag of the checks that <c>?ready</c> runs (liveness runs none).</summary>
    public const string ReadyTag = "ready";

    public static IServiceCollection AddReadinessChecks(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<StoreReadinessCheck>("store", tags: [ReadyTag], timeout: TimeSpan.FromSeconds(3))
            .AddCheck<StoreSetupReadinessCheck>("storeSetup", tags: [ReadyTag], timeout: TimeSpan.FromSeconds(3))
            .AddCheck<IssuerReadinessCheck>("issuer", tags: [ReadyTag], timeout: TimeSpan.FromSeconds(3));
        return services;
    }
}
