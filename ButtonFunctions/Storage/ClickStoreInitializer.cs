using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MongoDB.Bson;
using MongoDB.Driver;
using MongoDB.Driver.Core.Servers;

namespace ButtonFunctions.Storage;

/// <summary>
/// The click store's start-up work, in the background: a store that is down at start must not stop the app (ingestion
/// answers 503 meanwhile), so faults that may pass are logged and retried with growing pauses. It checks that the
/// server is one MongoDB.Driver supports, then (unless <see cref="MongoOptions.CreateIndexes"/> is off) creates the click
/// indexes. Faults that retrying cannot fix end the loop at once, with one Error line and a NotReady reason
/// (<see cref="ClickStoreSetup"/>): an index of the same name or key with other options or keys (85, 86), an index the
/// server cannot build (67), no right to create indexes (13, e.g. Cosmos DB with disableKeyBasedMetadataWriteAccess),
/// and a server older than the driver supports.
/// </summary>
internal sealed partial class ClickStoreInitializer(
    ClickStore store,
    IMongoClient client,
    IOptions<MongoOptions> options,
    ClickStoreSetup setup,
    TimeProvider time,
    ILogger<ClickStoreInitializer> logger) : BackgroundService
{
    internal const int IndexOptionsConflict = 85;
    internal const int IndexKeySpecsConflict = 86;
    internal const int CannotCreateIndex = 67;
    internal const int Unauthorized = 13;

    /// <summary>MongoDB 4.4: MongoDB.Driver 3.x refuses every operation on an older server (docs/architecture.md).</summary>
    internal const int OldestSupportedWireVersion = 9;

    private static readonly TimeSpan FirstPause = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan LongestPause = TimeSpan.FromMinutes(2);
    private static readonly BsonDocumentCommand<BsonDocument> Ping = new(new BsonDocument("ping", 1));

    /// <summary>Index errors that are the same on every try: the deployment or the data must change first.</summary>
    internal static bool IsPermanent(MongoCommandException exception) =>
        exception.Code is IndexOptionsConflict or IndexKeySpecsConflict or CannotCreateIndex or Unauthorized
        || string.Equals(exception.CodeName, "Unauthorized", StringComparison.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var createIndexes = options.Value.CreateIndexes;
        if (!createIndexes)
        {
            LogIndexCreationOff(logger);
        }

        var pause = FirstPause;
        for (var attempt = 1; !stoppingToken.IsCancellationRequested; attempt++)
        {
            try
            {
                // Any operation would do: the driver refuses an unsupported server on the first one.
                await client.GetDatabase(options.Value.Database).RunCommandAsync(Ping, cancellationToken: stoppingToken).ConfigureAwait(false);
                if (createIndexes)
                {
                    await store.EnsureIndexesAsync(stoppingToken).ConfigureAwait(false);
                    LogIndexesEnsured(logger, attempt);
                    setup.Report(StoreSetupStatus.Ready, "The click store answers and the click indexes are in place.");
                }
                else
                {
                    setup.Report(StoreSetupStatus.Ready,
                        "The click store answers; index creation is off (Mongo:CreateIndexes=false): the deployment declares the indexes.");
                }

                return;
            }
            catch (MongoIncompatibleDriverException ex)
            {
                ReportUnsupportedServer(ex);
                return;
            }
            catch (MongoCommandException ex) when (IsPermanent(ex))
            {
                LogIndexesFailedForGood(logger, ex, ex.CodeName, ex.Code);
                setup.Report(StoreSetupStatus.Failed, string.Create(CultureInfo.InvariantCulture,
                    $"The click indexes cannot be created: the store answered {ex.CodeName} ({ex.Code}), which retrying does not change. Resolve it (the function's log, event 3212, says how) and restart the app, or declare the indexes in the deployment and set Mongo:CreateIndexes=false."));
                return;
            }
            catch (Exception ex) when (ex is MongoException or TimeoutException or SocketException)
            {
                LogIndexesFailed(logger, ex, attempt, pause.TotalSeconds);
                setup.Report(StoreSetupStatus.Pending, string.Create(CultureInfo.InvariantCulture,
                    $"The click store's start-up check failed ({ex.GetType().Name}, attempt {attempt}); retrying in {pause.TotalSeconds} s."));
            }

            await Task.Delay(pause, time, stoppingToken).ConfigureAwait(false);
            pause = pause * 2 > LongestPause ? LongestPause : pause * 2;
        }
    }

    private void ReportUnsupportedServer(MongoIncompatibleDriverException exception)
    {
        // The driver knows each server's wire versions from the handshake.
        var unsupported = client.Cluster.Description.Servers
            .Where(s => s.State == ServerState.Connected && !s.IsCompatibleWithDriver)
            .ToList();
        var tooOld = unsupported.Count > 0 && unsupported.All(s => s.MaxWireVersion < OldestSupportedWireVersion);
        foreach (var server in unsupported)
        {
            if (server.MaxWireVersion < OldestSupportedWireVersion)
            {
                LogServerTooOld(logger, exception, Describe(server.EndPoint), ReleaseOf(server.MaxWireVersion), server.MaxWireVersion);
            }
            else
            {
                LogServerUnsupported(logger, exception, Describe(server.EndPoint), server.WireVersionRange?.Min ?? -1, server.MaxWireVersion);
            }
        }

        if (unsupported.Count == 0)
        {
            LogServerUnsupported(logger, exception, "unknown", -1, -1);
        }

        // The version stays out of this anonymous answer; the log line names it.
        setup.Report(StoreSetupStatus.Failed, tooOld
            ? "The click store's server is older than MongoDB 4.4 (wire version 9), the oldest that MongoDB.Driver 3.x supports: no click can be stored until it is upgraded (the function's log, event 3213, names its version)."
            : "The click store's server is not one this MongoDB.Driver supports: no click can be stored (the function's log, event 3215, says why).");
    }

    /// <summary>
    /// The MongoDB release of a wire version below 9 (MongoDB's wire version table, as MongoDB.Driver names them:
    /// 2 = 2.6, 3 = 3.0, 4 = 3.2, 5 = 3.4, 6 = 3.6, 7 = 4.0, 8 = 4.2).
    /// </summary>
    private static string ReleaseOf(int wireVersion) => wireVersion switch
    {
        8 => "4.2",
        7 => "4.0",
        6 => "3.6",
        5 => "3.4",
        4 => "3.2",
        3 => "3.0",
        2 => "2.6",
        _ => "older than 2.6",
    };

    private static string Describe(EndPoint endPoint) => endPoint switch
    {
        DnsEndPoint dns => string.Create(CultureInfo.InvariantCulture, $"{dns.Host}:{dns.Port}"),
        _ => endPoint.ToString() ?? "unknown",
    };

    [LoggerMessage(EventId = 3210, Level = LogLevel.Information, Message = "Click indexes ensured (attempt {Attempt})")]
    private static partial void LogIndexesEnsured(ILogger logger, int attempt);

    [LoggerMessage(EventId = 3211, Level = LogLevel.Warning, Message = "Click store start-up check failed (attempt {Attempt}); retrying in {PauseSeconds} s")]
    private static partial void LogIndexesFailed(ILogger logger, Exception exception, int attempt, double pauseSeconds);

    [LoggerMessage(EventId = 3212, Level = LogLevel.Error, Message =
        "Click indexes cannot be created: the store answered {CodeName} ({Code}), which retrying does not change; not retrying. " +
        "85/86: an index of the same name or key exists with other options or keys (drop it, or declare the indexes in the deployment and set Mongo:CreateIndexes=false); " +
        "67: the server cannot build the index; 13: this connection may not create indexes (e.g. Cosmos DB with disableKeyBasedMetadataWriteAccess: set Mongo:CreateIndexes=false). " +
        "Reads may be slow or fail until the indexes exist; clicks are still stored")]
    private static partial void LogIndexesFailedForGood(ILogger logger, Exception exception, string codeName, int code);

    [LoggerMessage(EventId = 3213, Level = LogLevel.Error, Message =
        "The click store at {Endpoint} runs MongoDB {ServerVersion} (wire version {WireVersion}); MongoDB.Driver 3.x needs MongoDB 4.4 (wire version 9) or newer " +
        "(on Cosmos DB for MongoDB: server version 5.0 or newer). Every write fails until the server is upgraded; restart the app afterwards")]
    private static partial void LogServerTooOld(ILogger logger, Exception exception, string endpoint, string serverVersion, int wireVersion);

    [LoggerMessage(EventId = 3215, Level = LogLevel.Error, Message =
        "The click store at {Endpoint} reports wire versions {MinWireVersion} to {MaxWireVersion}, which this MongoDB.Driver does not support; every write fails until the app's driver or the server changes")]
    private static partial void LogServerUnsupported(ILogger logger, Exception exception, string endpoint, int minWireVersion, int maxWireVersion);

    [LoggerMessage(EventId = 3214, Level = LogLevel.Information, Message = "Index creation is off (Mongo:CreateIndexes=false): the deployment is expected to declare the click indexes")]
    private static partial void LogIndexCreationOff(ILogger logger);
}
