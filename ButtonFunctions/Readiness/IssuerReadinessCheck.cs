using ButtonFunctions.Auth;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ButtonFunctions.Readiness;

/// <summary>Ready when the token issuer's discovery document and signing keys can be had (cached or fetched).</summary>
internal sealed class IssuerReadinessCheck(IssuerMetadata metadata) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var configuration = await metadata.GetAsync(cancellationToken).ConfigureAwait(false);
            return configuration.SigningKeys.Count > 0
                ? HealthCheckResult.Healthy($"{configuration.SigningKeys.Count} signing key(s) known.")
                : HealthCheckResult.Unhealthy("The issuer publishes no signing keys.");
        }
        catch (Exception ex) when (ex is InvalidOperationException or HttpRequestException or TaskCanceledException)
        {
            return HealthCheckResult.Unhealthy($"The issuer's metadata cannot be fetched ({ex.GetType().Name}).", ex);
        }
    }
}
