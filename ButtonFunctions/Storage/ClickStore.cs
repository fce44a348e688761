using ButtonFunctions.Clicks;
using ButtonFunctions.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MongoDB.Bson;
using MongoDB.Driver;

namespace ButtonFunctions.Storage;

/// <summary>
/// Clicks in MongoDB / Cosmos DB for MongoDB: unordered bulk inserts with deterministic ids, a duplicate key counted
/// as already stored when the stored document is the same click (and resolved into a collision id when it is not),
/// Cosmos rate limiting (16500) and dropped connections retried for the not-yet-stored clicks only, all within
/// <see cref="MongoOptions.RetryBudget"/>.
/// </summary>
internal sealed partial class ClickStore : IClickStore
{
    private static readonly InsertManyOptions Unordered = new() { IsOrdered = false };

    private readonly IMongoCollection<BsonDocument> _collection;
    private readonly TimeSpan _budget;
    private readonly TimeProvider _time;
    private readonly ILogger<ClickStore> _logger;

    // Lines a store under pressure would write per request: one of each kind a minute, with the count held back.
    private readonly LogSampler _retryLog;
    private readonly LogSampler _gaveUpLog;
    private readonly LogSampler _connectionLog;
    private readonly LogSampler _refusedLog;
    private readonly LogSampler _collisionLog;

    public ClickStore(IMongoClient client, IOptions<MongoOptions> options, TimeProvider time, ILogger<ClickStore> logger)
    {
        var settings = options.Value;
        _collection = client.GetDatabase(settings.Database).GetCollection<BsonDocument>(settings.Collection);
        _budget = settings.RetryBudget;
        _time = time;
        _logger = logger;
        _retryLog = new LogSampler(LogSampler.DefaultInterval, time);
        _gaveUpLog = new LogSampler(LogSampler.DefaultInterval, time);
        _connectionLog = new LogSampler(LogSampler.DefaultInterval, time);
        _refusedLog = new LogSampler(LogSampler.DefaultInterval, time);
        _collisionLog = new LogSampler(LogSampler.DefaultInterval, time);
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

        var started = _time.GetTimestamp();
        var result = await InsertWithRetriesAsync(clicks, statuses, started, cancellationToken).ConfigureAwait(false);
        if (AppMetrics.StoreDuration.Enabled)
        {
            AppMetrics.StoreDuration.Record(
                _time.GetElapsedTime(started).TotalSeconds,
                new KeyValuePair<string, object?>(AppMetrics.OutcomeTag, OutcomeNames[(int)result.Outcome]));
        }

        return result;
    }

    private static readonly string[] OutcomeNames = [.. Enum.GetValues<ClickStoreOutcome>().Select(o => o.ToString().ToLowerInvariant())];

    private async Task<ClickStoreResult> InsertWithRetriesAsync(
        IReadOnlyList<ClickEvent> clicks, ClickWriteStatus[] statuses, long started, CancellationToken cancellationToken)
    {
        var batch = new InsertBatch(clicks);
        for (var attempt = 1; ; attempt++)
        {
            var fault = await TryInsertAsync(batch, statuses, _budget - _time.GetElapsedTime(started), cancellationToken).ConfigureAwait(false);
            if (fault is null)
            {
                if (batch.Pending.Count == 0)
                {
                    return new ClickStoreResult(ClickStoreOutcome.Stored, statuses) { Ids = batch.Ids };
                }

                // Duplicate keys were resolved into new ids (collisions): insert those now, there is nothing to wait for.
                continue;
            }

            if (fault.Outcome == ClickStoreOutcome.Failed)
            {
                return new ClickStoreResult(ClickStoreOutcome.Failed, statuses) { Ids = batch.Ids };
            }

            if (fault.Outcome == ClickStoreOutcome.Throttled)
            {
                AppMetrics.StoreThrottled.Add(1);
            }

            var delay = fault.RetryAfter ?? CosmosRetryPolicy.Backoff(attempt, Random.Shared);
            var elapsed = _time.GetElapsedTime(started);
            if (elapsed + delay >= _budget)
            {
                // Only throttling carries a hint worth passing on (the wait the store itself would have made).
                TimeSpan? retryAfter = fault.Outcome == ClickStoreOutcome.Throttled ? RoundUpToSeconds(delay) : null;
                if (_gaveUpLog.ShouldLog(out var gaveUpHeldBack))
                {
                    LogGaveUp(_logger, fault.Outcome, batch.Pending.Count, attempt, elapsed.TotalMilliseconds, gaveUpHeldBack);
                }

                return new ClickStoreResult(fault.Outcome, statuses, retryAfter) { Ids = batch.Ids };
            }

            AppMetrics.Add(AppMetrics.StoreRetries, 1, AppMetrics.CauseTag, OutcomeNames[(int)fault.Outcome]);
            if (_retryLog.ShouldLog(out var heldBack))
            {
                LogRetrying(_logger, fault.Outcome, batch.Pending.Count, attempt, delay.TotalMilliseconds, heldBack);
            }

            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>One unordered insert of the pending documents; updates statuses and pending; null when nothing needs a wait.</summary>
    private async Task<Fault?> TryInsertAsync(InsertBatch batch, ClickWriteStatus[] statuses, TimeSpan remaining, CancellationToken cancellationToken)
    {
        if (remaining <= TimeSpan.Zero)
        {
            return new Fault(ClickStoreOutcome.Unavailable, null);
        }

        var pending = batch.Pending;

        // The attempt may not outlive the budget: a hung connection must still end in a timely 503.
        using var attemptCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attemptCancellation.CancelAfter(remaining);
        try
        {
            try
            {
                await _collection.InsertManyAsync(pending.Select(i => batch.Documents[i]), Unordered, attemptCancellation.Token).ConfigureAwait(false);
                foreach (var i in pending)
                {
                    statuses[i] = ClickWriteStatus.Inserted;
                }

                pending.Clear();
                return null;
            }
            catch (MongoBulkWriteException ex)
            {
                var (fault, duplicateKeys) = ClassifyBulkErrors(ex, pending, statuses);
                return duplicateKeys.Count == 0 || fault?.Outcome == ClickStoreOutcome.Failed
                    ? fault
                    : await ResolveDuplicateKeysAsync(batch, duplicateKeys, statuses, attemptCancellation.Token).ConfigureAwait(false) ?? fault;
            }
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
            if (_connectionLog.ShouldLog(out var heldBack))
            {
                LogConnectionFault(_logger, ex.GetType().Name, pending.Count, heldBack);
            }

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

    /// <summary>
    /// Sorts a bulk insert's write errors: stored, throttled (still pending), refused (failed), or duplicate key
    /// (still pending, returned for <see cref="ResolveDuplicateKeysAsync"/> to decide).
    /// </summary>
    private (Fault? Fault, List<int> DuplicateKeys) ClassifyBulkErrors(MongoBulkWriteException ex, List<int> pending, ClickWriteStatus[] statuses)
    {
        var errors = ex.WriteErrors.ToDictionary(e => e.Index);
        var stillPending = new List<int>();
        var duplicateKeys = new List<int>();
        TimeSpan? retryAfter = null;
        var failed = false;
        var throttled = false;
        for (var k = 0; k < pending.Count; k++)
        {
            var i = pending[k];
            if (!errors.TryGetValue(k, out var error))
            {
                statuses[i] = ClickWriteStatus.Inserted;
            }
            else if (error.Code == CosmosRetryPolicy.DuplicateKey)
            {
                stillPending.Add(i);
                duplicateKeys.Add(i);
            }
            else if (CosmosRetryPolicy.IsThrottle(error.Code))
            {
                stillPending.Add(i);
                throttled = true;
                if (CosmosRetryPolicy.RetryAfterFromMessage(error.Message) is { } hint && (retryAfter is null || hint > retryAfter))
                {
                    retryAfter = hint;
                }
            }
            else
            {
                stillPending.Add(i);
                failed = true;
                if (_refusedLog.ShouldLog(out var heldBack))
                {
                    LogDocumentRefused(_logger, error.Code, error.Category.ToString(), heldBack);
                }

            }
        }

        pending.Clear();
        pending.AddRange(stillPending);
        var fault = failed ? new Fault(ClickStoreOutcome.Failed, null)
            : throttled ? new Fault(ClickStoreOutcome.Throttled, retryAfter)
            : null;
        return (fault, duplicateKeys);
    }

    /// <summary>
    /// A duplicate key is a duplicate only when the stored click is the same click (<see cref="ClickFingerprint"/>);
    /// deciding needs the stored documents, read in one query for the whole batch, and only when a duplicate key was
    /// reported (never on the plain insert path). A different click under the id is a collision: the new click gets
    /// <see cref="ClickId.ForCollision"/> and stays pending, so it is inserted next and a retry of it finds it there.
    /// Concurrent senders need no lock: whoever inserts an id first owns it, and the other learns so from its own 11000.
    /// </summary>
    /// <returns>Null, or a failure when a click cannot be given an id of its own.</returns>
    private async Task<Fault?> ResolveDuplicateKeysAsync(InsertBatch batch, List<int> duplicateKeys, ClickWriteStatus[] statuses, CancellationToken cancellationToken)
    {
        var ids = duplicateKeys.Select(i => batch.Clicks[i].Id).Distinct(StringComparer.Ordinal).ToArray();
        var stored = await _collection.Find(Builders<BsonDocument>.Filter.In("_id", ids))
            .Project(ClickDocument.FingerprintFields)
            .ToListAsync(cancellationToken).ConfigureAwait(false);

        // On a sharded collection _id is unique only within a shard (docs/architecture.md, "Click ids"): one id may name several devices' clicks.
        var storedById = stored.Where(d => d.TryGetValue("_id", out var id) && id.IsString)
            .ToLookup(d => d["_id"].AsString, ClickDocument.FingerprintOf, StringComparer.Ordinal);
        Fault? fault = null;
        foreach (var i in duplicateKeys)
        {
            var click = batch.Clicks[i];
            var fingerprint = ClickFingerprint.Of(click);
            var candidates = storedById[click.Id].ToList();
            if (candidates.Any(fingerprint.IsSameClickAs))
            {
                statuses[i] = ClickWriteStatus.Duplicate;
                batch.Pending.Remove(i);
            }
            else if (++batch.Resolutions[i] > InsertBatch.MaxResolutions || (candidates.Count > 0 && batch.Collided[i]))
            {
                // A different click even under the collision id (which only a foreign writer could have put there), or
                // a conflicting document that keeps vanishing: no id of its own can be found for this click.
                if (_refusedLog.ShouldLog(out var heldBack))
                {
                    LogCollisionUnresolved(_logger, click.Id, click.DeviceId, heldBack);
                }

                fault = new Fault(ClickStoreOutcome.Failed, null);
            }
            else if (candidates.Count > 0)
            {
                var newId = ClickId.ForCollision(click);
                if (_collisionLog.ShouldLog(out var heldBack))
                {
                    LogCollision(_logger, click.Id, click.DeviceId, click.ClickType, newId, heldBack);
                }

                batch.Reassign(i, newId);
            }

            // No stored document under the id: it was removed since the insert failed; insert it again as it is.
        }

        return fault;
    }

    /// <summary>The clicks of one store call, their documents, and what is still to insert.</summary>
    private sealed class InsertBatch
    {
        /// <summary>How often one click's duplicate key may be looked into before giving up (a collision, then a vanished document).</summary>
        public const int MaxResolutions = 2;

        public InsertBatch(IReadOnlyList<ClickEvent> clicks)
        {
            Clicks = [.. clicks];
            Documents = [.. clicks.Select(ClickDocument.ToBson)];
            Pending = [.. Enumerable.Range(0, clicks.Count)];
            Resolutions = new int[clicks.Count];
            Collided = new bool[clicks.Count];
        }

        public ClickEvent[] Clicks { get; }

        public BsonDocument[] Documents { get; }

        public List<int> Pending { get; }

        public int[] Resolutions { get; }

        public bool[] Collided { get; }

        public IReadOnlyList<string> Ids => Array.ConvertAll(Clicks, c => c.Id);

        public void Reassign(int index, string id)
        {
            Clicks[index] = Clicks[index] with { Id = id };
            Documents[index]["_id"] = id;
            Collided[index] = true;
        }
    }

    private static TimeSpan RoundUpToSeconds(TimeSpan delay) => TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling(delay.TotalSeconds)));

    private sealed record Fault(ClickStoreOutcome Outcome, TimeSpan? RetryAfter);

    [LoggerMessage(EventId = 3200, Level = LogLevel.Information, Message = "Store {Outcome}: retrying {Pending} clicks after attempt {Attempt} in {DelayMs} ms ({HeldBack} more retries since the previous line; at most one a minute)")]
    private static partial void LogRetrying(ILogger logger, ClickStoreOutcome outcome, int pending, int attempt, double delayMs, long heldBack);

    [LoggerMessage(EventId = 3201, Level = LogLevel.Warning, Message = "Store {Outcome}: gave up on {Pending} clicks after {Attempts} attempts and {ElapsedMs} ms ({HeldBack} more requests given up since the previous line; at most one a minute)")]
    private static partial void LogGaveUp(ILogger logger, ClickStoreOutcome outcome, int pending, int attempts, double elapsedMs, long heldBack);

    [LoggerMessage(EventId = 3202, Level = LogLevel.Warning, Message = "Store connection fault ({Fault}) while inserting {Pending} clicks ({HeldBack} more since the previous line; at most one a minute)")]
    private static partial void LogConnectionFault(ILogger logger, string fault, int pending, long heldBack);

    [LoggerMessage(EventId = 3203, Level = LogLevel.Error, Message = "Store refused a click with code {Code} ({Category}) ({HeldBack} more refused clicks since the previous line; at most one a minute)")]
    private static partial void LogDocumentRefused(ILogger logger, int code, string category, long heldBack);

    [LoggerMessage(EventId = 3204, Level = LogLevel.Error, Message = "Store error while inserting {Pending} clicks")]
    private static partial void LogStoreError(ILogger logger, Exception exception, int pending);

    [LoggerMessage(EventId = 3205, Level = LogLevel.Warning, Message = "Click id {ClickId} is taken by a different click; this one (device {DeviceId}, {ClickType}) is stored under {CollisionId}. A device reusing trace ids, or two clicks in one second from a clock without fractions and no rule time, does this ({HeldBack} more collisions since the previous line; at most one a minute)")]
    private static partial void LogCollision(ILogger logger, string clickId, string deviceId, string clickType, string collisionId, long heldBack);

    [LoggerMessage(EventId = 3206, Level = LogLevel.Error, Message = "Click id {ClickId} (device {DeviceId}) not stored: no id of its own could be found (taken by a different click even as a collision id, or by a document that cannot be read back) ({HeldBack} more refused clicks since the previous line; at most one a minute)")]
    private static partial void LogCollisionUnresolved(ILogger logger, string clickId, string deviceId, long heldBack);
}
