using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ButtonFunctions.Auth;

/// <summary>
/// Fetches the issuer's discovery document and signing keys once at start-up, in the background, so that the first
/// click after a cold start does not wait for that round trip (README "Performance and reliability"). Nothing depends
/// on it: a fetch that fails here is made again by the first request that needs the keys, exactly as without it.
/// </summary>
internal sealed partial class IssuerMetadataWarmUp(IssuerMetadata metadata, ILogger<IssuerMetadataWarmUp> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            var configuration = await metadata.GetAsync(stoppingToken).ConfigureAwait(false);
            LogFetched(logger, configuration.SigningKeys.Count);
        }
        catch (InvalidOperationException ex)
        {
            // The request path reports an unreachable issuer (sampled, event 4113) and readiness says so; one line here.
            LogNotFetched(logger, ex);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping before the fetch ended.
        }
    }

    [LoggerMessage(EventId = 4103, Level = LogLevel.Debug, Message = "Issuer signing keys fetched at start-up ({KeyCount} keys)")]
    private static partial void LogFetched(ILogger logger, int keyCount);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Information, Message = "Issuer signing keys could not be fetched at start-up; the first request that needs them fetches again")]
    private static partial void LogNotFetched(ILogger logger, Exception exception);
}
