using ButtonFunctions.Clicks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ButtonFunctions.Ingest;

/// <summary>The ingestion use case: parse the body into clicks, store the valid ones, and say what became of them.</summary>
public sealed partial class ClickIngestion
{
    private readonly ClickPayloadParser _parser;
    private readonly IClickStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger<ClickIngestion> _logger;

    public ClickIngestion(IOptions<IngestOptions> options, IClickStore store, TimeProvider time, ILogger<ClickIngestion> logger)
    {
        _parser = new ClickPayloadParser(options);
        _store = store;
        _time = time;
        _logger = logger;
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
            LogRequestRefused(_logger, reason, batch.ErrorDetail!);
            return new IngestResult.Refused(reason, batch.ErrorDetail!);
        }

        var valid = new List<ParsedClick>(batch.Items.Count);
        var errors = new List<ClickError>();
        foreach (var item in batch.Items)
        {
            if (item.Click is null)
            {
                errors.Add(new ClickError(item.Index, item.Error!));
                continue;
            }

            valid.Add(item);
            if (item.FreshId)
            {
                LogFreshId(_logger, item.Click.DeviceId, item.Index, item.Click.Id);
            }
        }

        if (errors.Count > 0)
        {
            LogInvalidClicks(_logger, errors.Count, batch.Items.Count, errors[0].Index, errors[0].Reason);
        }

        var result = valid.Count == 0
            ? new ClickStoreResult(ClickStoreOutcome.Stored, [])
            : await _store.InsertAsync(valid.ConvertAll(i => i.Click!), cancellationToken).ConfigureAwait(false);

        if (result.Outcome != ClickStoreOutcome.Stored)
        {
            LogNotStored(_logger, result.Outcome, valid.Count - result.Inserted - result.Duplicates, valid.Count);
            return new IngestResult.NotStored(result.Outcome, result.Inserted, result.Duplicates, result.RetryAfter);
        }

        if (valid.Count > 0)
        {
            LogStored(_logger, result.Inserted, result.Duplicates, clientId);
        }

        // The store's ids where it has them: a click whose id was taken by a different click is stored under another.
        var ids = result.Ids ?? valid.ConvertAll(i => i.Click!.Id);
        return new IngestResult.Stored(batch.Items.Count, result.Inserted, result.Duplicates, ids, errors);
    }

    [LoggerMessage(EventId = 3000, Level = LogLevel.Information, Message = "Stored {Inserted} new and {Duplicates} duplicate clicks for client {ClientId}")]
    private static partial void LogStored(ILogger logger, int inserted, int duplicates, string? clientId);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Refused {Invalid} of {Total} clicks; first at index {Index}: {Reason}")]
    private static partial void LogInvalidClicks(ILogger logger, int invalid, int total, int index, string reason);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Click request refused ({Reason}): {Detail}")]
    private static partial void LogRequestRefused(ILogger logger, IngestRefusal reason, string detail);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "Click from device {DeviceId} (index {Index}) has no traceId, receivedAtMs or device time; stored under fresh id {ClickId}, so a retry of it cannot be recognised as a duplicate")]
    private static partial void LogFreshId(ILogger logger, string deviceId, int index, string clickId);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "Store {Outcome}: {Pending} of {Valid} clicks not stored")]
    private static partial void LogNotStored(ILogger logger, ClickStoreOutcome outcome, int pending, int valid);
}
