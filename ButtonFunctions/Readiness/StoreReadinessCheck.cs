using ButtonFunctions.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using MongoDB.Bson;
using MongoDB.Driver;

namespace ButtonFunctions.Readiness;

/// <summary>Ready when the click database answers a <c>ping</c> through the app's one <see cref="IMongoClient"/>.</summary>
internal sealed class StoreReadinessCheck(IMongoClient client, IOptions<MongoOptions> options) : IHealthCheck
{
    private static readonly BsonDocumentCommand<BsonDocument> Ping = new(new BsonDocument("ping", 1));

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await client.GetDatabase(options.Value.Database).RunCommandAsync(Ping, cancellationToken: cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy("The click store answers.");
        }
        catch (MongoIncompatibleDriverException ex)
        {
            return HealthCheckResult.Unhealthy("The click store's server is older than MongoDB 4.4 (wire version 9), the oldest MongoDB.Driver 3.x supports.", ex);
        }
        catch (Exception ex) when (ex is MongoException or TimeoutException)
        {
            // The description is shown to anonymous callers: name the kind of failure, never the server's text.
            return HealthCheckResult.Unhealthy($"The click store does not answer ({ex.GetType().Name}).", ex);
        }
    }
}
