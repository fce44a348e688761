using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MongoDB.Driver;

namespace ButtonFunctions.Storage;

/// <summary>
/// Ensures the click indexes at start-up, in the background: a store that is down at start must not stop
/// the app (ingestion answers 503 meanwhile), so failures are logged and retried with growing pauses.
/// </summary>
internal sealed partial class ClickStoreInitializer(ClickStore store, TimeProvider time, ILogger<ClickStoreInitializer> logger) : BackgroundService
{
    private static readonly TimeSpan FirstPause = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan LongestPause = TimeSpan.FromMinutes(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var pause = FirstPause;
        for (var attempt = 1; !stoppingToken.IsCancellationRequested; attempt++)
        {
            try
            {
                await store.EnsureIndexesAsync(stoppingToken).ConfigureAwait(false);
                LogIndexesEnsured(logger, attempt);
                return;
            }
            catch (Exception ex) when (ex is MongoException or TimeoutException or SocketException)
            {
                LogIndexesFailed(logger, ex, attempt, pause.TotalSeconds);
            }

            await Task.Delay(pause, time, stoppingToken).ConfigureAwait(false);
            pause = pause * 2 > LongestPause ? LongestPause : pause * 2;
        }
    }

    [LoggerMessage(EventId = 3210, Level = LogLevel.Information, Message = "Click indexes ensured (attempt {Attempt})")]
    private static partial void LogIndexesEnsured(ILogger logger, int attempt);

    [LoggerMessage(EventId = 3211, Level = LogLevel.Warning, Message = "Could not ensure click indexes (attempt {Attempt}); retrying in {PauseSeconds} s")]
    private static partial void LogIndexesFailed(ILogger logger, Exception exception, int attempt, double pauseSeconds);
}
