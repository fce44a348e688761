using ButtonFunctions.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace ButtonFunctions.Readiness;

/// <summary>
/// Ready when the click store's start-up work has succeeded (<see cref="ClickStoreSetup"/>): the server is supported and
/// the click indexes exist. With Mongo:CreateIndexes off it does not wait for indexes, only a fault that retrying cannot
/// fix (an unsupported server) makes it unready.
/// </summary>
internal sealed class StoreSetupReadinessCheck(ClickStoreSetup setup, IOptions<MongoOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var createIndexes = options.Value.CreateIndexes;
        if (createIndexes)
        {
            // Right after start the first try is usually still running: its result, not the race, is the answer.
            // The check's registration timeout bounds this wait.
            await setup.FirstAttemptEnded.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        var state = setup.Current;
        return state.Status switch
        {
            StoreSetupStatus.Ready => HealthCheckResult.Healthy(state.Description),
            StoreSetupStatus.Pending when !createIndexes => HealthCheckResult.Healthy(
                "Index creation is off (Mongo:CreateIndexes=false): the deployment declares the indexes."),
            _ => HealthCheckResult.Unhealthy(state.Description),
        };
    }
}
