using System.Diagnostics;
using ButtonFunctions.Clicks;
using ButtonFunctions.Diagnostics;
using ButtonFunctions.Ingest.Payloads;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ButtonFunctions.Ingest;

/// <summary>
/// The ingestion use case: parse the body into clicks, store the valid ones, and say what became of them. It counts
/// what became of every click (<see cref="AppMetrics"/>), puts the clicks' AWS trace ids on the request's activity, and
/// logs nothing on the accepted path; the warnings a sender can provoke are sampled (<see cref="LogSampler"/>).
/// </summary>
public sealed partial class ClickIngestion
{
    private readonly ClickPayloadParser _parser;
    private readonly IClickStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger<ClickIngestion> _logger;
    private readonly LogSampler _refusedLog;
    private readonly LogSampler _invalidLog;
    private readonly LogSampler _freshIdLog;
    private readonly LogSampler _notStoredLog;

    public ClickIngestion(IOptions<IngestOptions> options, IClickStore store, TimeProvider time, ILogger<ClickIngestion> logger)
    {
        _parser = new ClickPayloadParser(options);
        _store = store;
        _time = time;
        _logger = logger;
        _refusedLog = new LogSampler(LogSampler.DefaultInterval, time);
        _invalidLog = new LogSampler(LogSampler.DefaultInterval, time);
        _freshIdLog = new LogSampler(LogSampler.DefaultInterval, time);
        _notStoredLog = new LogSampler(LogSampler.DefaultInterval, time);
    }

    /// <param name="clientId">The authenticated sender (its Auth0 client id), stored on every click.</param>
    public async Task<IngestResult> IngestAsync(ReadOnlyMemory<byte> body, string? clientId, CancellationToken cancellationToken)
    {
        var batch = _parser.Parse(body, _time.GetUtcNow(), clientId);
        if (batch.Error != ClickBatchError.None)
        {
            var reason = batch.Error switch
            {
                ClickBatchError.EmptyBody => IngestRefusal.EmptyBody,
                ClickBatchError.InvalidJson => IngestRefusal.InvalidJson,
                ClickBatchError.TooManyClicks => IngestRefusal.TooManyClicks,
                _ => IngestRefusal.UnsupportedPayload,
            };
            AppMetrics.Add(AppMetrics.IngestRefused, 1, AppMetrics.ReasonTag, RefusalNames[(int)reason]);
            if (_refusedLog.ShouldLog(out var heldBack))
            {
                LogRequestRefused(_logger, reason, batch.ErrorDetail!, heldBack);
            }

            return new IngestResult.Refused(reason, batch.ErrorDetail!);
        }

        AppMetrics.BatchSize.Record(batch.Items.Count);
        TagTraceIds(batch.Items);

        var valid = new List<ParsedClick>(batch.Items.Count);
        var errors = new List<ClickError>();
        foreach (var item in batch.Items)
        {
            if (item.Click is null)
            {
                errors.Add(new ClickError(item.Index, item.Error!));
                AppMetrics.Add(AppMetrics.ClicksRefused, 1, AppMetrics.ReasonTag, ClickProblemNames.Of(item.Problem));
                continue;
            }

            valid.Add(item);
            if (item.FreshId && _freshIdLog.ShouldLog(out var heldBack))
            {
                LogFreshId(_logger, item.Click.DeviceId, item.Index, item.Click.Id, heldBack);
            }
        }

        if (errors.Count > 0 && _invalidLog.ShouldLog(out var invalidHeldBack))
        {
            LogInvalidClicks(_logger, errors.Count, batch.Items.Count, errors[0].Index, errors[0].Reason, invalidHeldBack);
        }

        var result = valid.Count == 0
            ? new ClickStoreResult(ClickStoreOutcome.Stored, [])
            : await _store.InsertAsync(valid.ConvertAll(i => i.Click!), cancellationToken).ConfigureAwait(false);

        AppMetrics.ClicksStored.Add(result.Inserted);
        AppMetrics.ClicksDuplicate.Add(result.Duplicates);
        if (result.Outcome != ClickStoreOutcome.Stored)
        {
            AppMetrics.Add(AppMetrics.IngestNotStored, 1, AppMetrics.OutcomeTag, OutcomeNames[(int)result.Outcome]);
            if (_notStoredLog.ShouldLog(out var heldBack))
            {
                LogNotStored(_logger, result.Outcome, valid.Count - result.Inserted - result.Duplicates, valid.Count, heldBack);
            }

            return new IngestResult.NotStored(result.Outcome, result.Inserted, result.Duplicates, result.RetryAfter);
        }

        if (valid.Count > 0)
        {
            // Debug, not Information: the accepted path writes no log line (the counters say it), so a busy day costs nothing.
            LogStored(_logger, result.Inserted, result.Duplicates, clientId);
        }

        // The store's ids where it has them: a click whose id was taken by a different click is stored under another.
        var ids = result.Ids ?? valid.ConvertAll(i => i.Click!.Id);
        return new IngestResult.Stored(batch.Items.Count, result.Inserted, result.Duplicates, ids, errors);
    }

    /// <summary>
    /// Puts the AWS trace ids of the request's clicks on the current activity (the request's, started by the telemetry
    /// middleware), so one click can be followed from the AWS rule through this app to the store. Only when the activity
    /// records data: an unsampled request costs nothing here.
    /// </summary>
    private static void TagTraceIds(IReadOnlyList<ParsedClick> items)
    {
        if (Activity.Current is not { IsAllDataRequested: true } activity)
        {
            return;
        }

        activity.SetTag("buttonfunctions.clicks", items.Count);
        string[]? traceIds = null;
        var found = 0;
        foreach (var item in items)
        {
            if (item.Click?.TraceId is { } traceId && found < AppTelemetry.MaxTraceIdsPerActivity)
            {
                traceIds ??= new string[Math.Min(items.Count, AppTelemetry.MaxTraceIdsPerActivity)];
                traceIds[found++] = traceId;
            }
        }

        if (traceIds is not null)
        {
            activity.SetTag(AppTelemetry.AwsTraceIdAttribute, found == traceIds.Length ? traceIds : traceIds[..found]);
        }
    }

    private static readonly string[] RefusalNames = [.. Enum.GetValues<IngestRefusal>().Select(r => r switch
    {
        IngestRefusal.EmptyBody => "empty-body",
        IngestRefusal.InvalidJson => "invalid-json",
        IngestRefusal.TooManyClicks => "too-many-clicks",
        _ => "unsupported-payload",
    })];

    private static readonly string[] OutcomeNames = [.. Enum.GetValues<ClickStoreOutcome>().Select(o => o.ToString().ToLowerInvariant())];

    [LoggerMessage(EventId = 3000, Level = LogLevel.Debug, Message = "Stored {Inserted} new and {Duplicates} duplicate clicks for client {ClientId}")]
    private static partial void LogStored(ILogger logger, int inserted, int duplicates, string? clientId);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Refused {Invalid} of {Total} clicks; first at index {Index}: {Reason} ({HeldBack} more such requests since the previous line; at most one a minute)")]
    private static partial void LogInvalidClicks(ILogger logger, int invalid, int total, int index, string reason, long heldBack);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Click request refused ({Reason}): {Detail} ({HeldBack} more since the previous line; at most one a minute)")]
    private static partial void LogRequestRefused(ILogger logger, IngestRefusal reason, string detail, long heldBack);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "Click from device {DeviceId} (index {Index}) has no traceId, receivedAtMs or device time; stored under fresh id {ClickId}, so a retry of it cannot be recognised as a duplicate ({HeldBack} more such clicks since the previous line; at most one a minute)")]
    private static partial void LogFreshId(ILogger logger, string deviceId, int index, string clickId, long heldBack);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "Store {Outcome}: {Pending} of {Valid} clicks not stored ({HeldBack} more such requests since the previous line; at most one a minute)")]
    private static partial void LogNotStored(ILogger logger, ClickStoreOutcome outcome, int pending, int valid, long heldBack);
}
