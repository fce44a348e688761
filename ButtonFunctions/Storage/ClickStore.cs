using ButtonFunctions.Clicks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MongoDB.Bson;
using MongoDB.Driver;

namespace ButtonFunctions.Storage;

/// <summary>
/// Clicks in MongoDB / Cosmos DB for MongoDB: unordered bulk inserts with deterministic ids, duplicate keys
/// counted as already stored, Cosmos rate limiting (16500) and dropped connections retried for the
/// not-yet-stored clicks only, all within <see cref="MongoOptions.RetryBudget"/>.
/// </summary>
internal sealed partial class ClickStore : IClickStore
{
    private static readonly InsertManyOptions Unordered = new() { IsOrdered = false };

    private readonly IMongoCollection<BsonDocument> _collection;
    private readonly TimeSpan _budget;
    private readonly TimeProvider _time;
    private readonly ILogger<ClickStore> _logger;

    public ClickStore(IMongoClient client, IOptions<MongoOptions> options, TimeProvider time, ILogger<ClickStore> logger)
    {
        var settings = options.Value;
        _collection = client.GetDatabase(settings.Database).GetCollection<BsonDocument>(settings.Collection);
        _budget = settings.RetryBudget;
        _time = time;
        _logger = logger;
    }

    /// <summary>The indexes the read side needs (<see cref="ClickIndexes"/>); idempotent.</summary>
    public Task EnsureIndexesAsync(CancellationToken cancellationToken) => ClickIndexes.EnsureAsync(_collection, cancellationToken);

    public async Task<ClickStoreResult> InsertAsync(IReadOnlyList<ClickEvent> clicks, CancellationToken cancellationToken)
    {
        var statuses = new ClickWriteStatus[clicks.Count];
        if (clicks.Count == 0)
        {
            return new ClickStoreResult(ClickStoreOutcome.Stored, statuses);
        }

        var documents = clicks.Select(ClickDocument.ToBson).ToArray();
        var pending = Enumerable.Range(0, clicks.Count).ToList();
        var started = _time.GetTimestamp();
        for (var attempt = 1; ; attempt++)
        {
            var fault = await TryInsertAsync(documents, pending, statuses, _budget - _time.GetElapsedTime(started), cancellationToken).ConfigureAwait(false);
            if (fault is null)
            {
                return new ClickStoreResult(ClickStoreOutcome.Stored, statuses);
            }

            if (fault.Outcome == ClickStoreOutcome.Failed)
            {
                return new ClickStoreResult(ClickStoreOutcome.Failed, statuses);
            }

            var delay = fault.RetryAfter ?? CosmosRetryPolicy.Backoff(attempt, Random.Shared);
            var elapsed = _time.GetElapsedTime(started);
            if (elapsed + delay >= _budget)
            {
                // Only throttling carries a hint worth passing on (the wait the store itself would have made).
                TimeSpan? retryAfter = fault.Outcome == ClickStoreOutcome.Throttled ? RoundUpToSeconds(delay) : null;
                LogGaveUp(_logger, fault.Outcome, pending.Count, attempt, elapsed.TotalMilliseconds);
                return new ClickStoreResult(fault.Outcome, statuses, retryAfter);
            }

            LogRetrying(_logger, fault.Outcome, pending.Count, attempt, delay.TotalMilliseconds);
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>One unordered insert of the pending documents; updates statuses and pending; null when all are stored.</summary>
    private async Task<Fault?> TryInsertAsync(
        BsonDocument[] documents, List<int> pending, ClickWriteStatus[] statuses, TimeSpan remaining, CancellationToken cancellationToken)
    {
        if (remaining <= TimeSpan.Zero)
        {
            return new Fault(ClickStoreOutcome.Unavailable, null);
        }

        // The attempt may not outlive the budget: a hung connection must still end in a timely 503.
        using var attemptCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attemptCancellation.CancelAfter(remaining);
        try
        {
            await _collection.InsertManyAsync(pending.Select(i => documents[i]), Unordered, attemptCancellation.Token).ConfigureAwait(false);
            foreach (var i in pending)
            {
                statuses[i] = ClickWriteStatus.Inserted;
            }

            pending.Clear();
            return null;
        }
        catch (MongoBulkWriteException ex)
        {
            return ClassifyBulkErrors(ex, pending, statuses);
        }
        catch (MongoCommandException ex) when (CosmosRetryPolicy.IsThrottle(ex.Code))
        {
            return new Fault(ClickStoreOutcome.Throttled, CosmosRetryPolicy.RetryAfterFromMessage(ex.ErrorMessage));
        }
        catch (MongoExecutionTimeoutException)
        {
            return new Fault(ClickStoreOutcome.Throttled, null);
        }
        catch (Exception ex) when (ex is MongoConnectionException or TimeoutException or MongoNotPrimaryException or MongoNodeIsRecoveringException
            // The pool is paused after a network error until the server is seen again, and its wait queue fills
            // under load: both pass, so they are retried like a dropped connection rather than failed.
            or MongoConnectionPoolPausedException or MongoWaitQueueFullException)
        {
            // Which of the pending documents got in is unknown; the retry tells (they come back as duplicates).
            LogConnectionFault(_logger, ex.GetType().Name, pending.Count);
            return new Fault(ClickStoreOutcome.Unavailable, null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new Fault(ClickStoreOutcome.Unavailable, null);
        }
        catch (MongoException ex)
        {
            LogStoreError(_logger, ex, pending.Count);
            return new Fault(ClickStoreOutcome.Failed, null);
        }
    }

    private Fault? ClassifyBulkErrors(MongoBulkWriteException ex, List<int> pending, ClickWriteStatus[] statuses)
    {
        var errors = ex.WriteErrors.ToDictionary(e => e.Index);
        var stillPending = new List<int>();
        TimeSpan? retryAfter = null;
        var failed = false;
        for (var k = 0; k < pending.Count; k++)
        {
            var i = pending[k];
            if (!errors.TryGetValue(k, out var error))
            {
                statuses[i] = ClickWriteStatus.Inserted;
            }
            else if (error.Code == CosmosRetryPolicy.DuplicateKey)
            {
                statuses[i] = ClickWriteStatus.Duplicate;
            }
            else if (CosmosRetryPolicy.IsThrottle(error.Code))
            {
                stillPending.Add(i);
                if (CosmosRetryPolicy.RetryAfterFromMessage(error.Message) is { } hint && (retryAfter is null || hint > retryAfter))
                {
                    retryAfter = hint;
                }
            }
            else
            {
                stillPending.Add(i);
                failed = true;
                LogDocumentRefused(_logger, error.Code, error.Category.ToString());
            }
        }

        pending.Clear();
        pending.AddRange(stillPending);
        return failed ? new Fault(ClickStoreOutcome.Failed, null)
            : pending.Count > 0 ? new Fault(ClickStoreOutcome.Throttled, retryAfter)
            : null;
    }

    private static TimeSpan RoundUpToSeconds(TimeSpan delay) => TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling(delay.TotalSeconds)));

    private sealed record Fault(ClickStoreOutcome Outcome, TimeSpan? RetryAfter);

    [LoggerMessage(EventId = 3200, Level = LogLevel.Information, Message = "Store {Outcome}: retrying {Pending} clicks after attempt {Attempt} in {DelayMs} ms")]
    private static partial void LogRetrying(ILogger logger, ClickStoreOutcome outcome, int pending, int attempt, double delayMs);

    [LoggerMessage(EventId = 3201, Level = LogLevel.Warning, Message = "Store {Outcome}: gave up on {Pending} clicks after {Attempts} attempts and {ElapsedMs} ms")]
    private static partial void LogGaveUp(ILogger logger, ClickStoreOutcome outcome, int pending, int attempts, double elapsedMs);

    [LoggerMessage(EventId = 3202, Level = LogLevel.Warning, Message = "Store connection fault ({Fault}) while inserting {Pending} clicks")]
    private static partial void LogConnectionFault(ILogger logger, string fault, int pending);

    [LoggerMessage(EventId = 3203, Level = LogLevel.Error, Message = "Store refused a click with code {Code} ({Category})")]
    private static partial void LogDocumentRefused(ILogger logger, int code, string category);

    [LoggerMessage(EventId = 3204, Level = LogLevel.Error, Message = "Store error while inserting {Pending} clicks")]
    private static partial void LogStoreError(ILogger logger, Exception exception, int pending);
}
