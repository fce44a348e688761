using ButtonFunctions.Clicks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MongoDB.Bson;
using MongoDB.Driver;

namespace ButtonFunctions.Storage;

/// <summary>
/// Reads clicks from MongoDB / Cosmos DB for MongoDB. Pages are keyset queries on (occurredAt, _id) served by
/// <see cref="ClickIndexes"/>; summaries are aggregation pipelines that start with an index-served range match,
/// so their cost follows the requested range, never the whole collection. Only stages and operators that
/// Cosmos DB for MongoDB 7.0 lists as supported are used (README, "Cosmos DB features the read API relies on").
/// Rate limiting (16500) is retried within <see cref="MongoOptions.RetryBudget"/>, like writes.
/// </summary>
internal sealed partial class ClickReader : IClickReader
{
    private readonly IMongoCollection<BsonDocument> _collection;
    private readonly TimeSpan _budget;
    private readonly TimeProvider _time;
    private readonly ILogger<ClickReader> _logger;

    public ClickReader(IMongoClient client, IOptions<MongoOptions> options, TimeProvider time, ILogger<ClickReader> logger)
    {
        var settings = options.Value;
        _collection = client.GetDatabase(settings.Database).GetCollection<BsonDocument>(settings.Collection);
        _budget = settings.RetryBudget;
        _time = time;
        _logger = logger;
    }

    public Task<ReadResult<ClickPage>> ListAsync(ClickFilter filter, ClickPosition? after, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var query = ListFilter(filter, after);

        // The sort names exactly the fields of the index that serves it (walked backwards): mongod would pick it
        // anyway, and Cosmos DB uses a compound index only for a sort that matches it. With deviceId fixed by
        // equality, sorting on it too changes nothing in the order.
        var sort = filter.DeviceId is null
            ? new BsonDocument { { "occurredAt", -1 }, { "_id", -1 } }
            : new BsonDocument { { "deviceId", -1 }, { "occurredAt", -1 }, { "_id", -1 } };
        return RunAsync("list", async ct =>
        {
            // One more than asked tells whether an older page exists without a second query.
            var documents = await _collection.Find(query).Sort(sort).Limit(limit + 1).ToListAsync(ct).ConfigureAwait(false);
            var items = documents.Take(limit).Select(StoredClickDocument.FromBson).ToList();
            var next = documents.Count > limit ? new ClickPosition(items[^1].OccurredAt, items[^1].Id) : null;
            return new ClickPage(items, next);
        }, cancellationToken);
    }

    public async Task<ReadResult<ClickSummaryReport>> SummarizeAsync(SummaryRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var devices = RunAsync("summary devices", ct => DevicesAsync(request, ct), cancellationToken);
        var series = RunAsync("summary series", ct => SeriesAsync(request, ct), cancellationToken);
        await Task.WhenAll(devices, series).ConfigureAwait(false);
        var (d, s) = (await devices.ConfigureAwait(false), await series.ConfigureAwait(false));
        if (d.Outcome != ReadOutcome.Ok)
        {
            return new ReadResult<ClickSummaryReport>(d.Outcome, null, d.RetryAfter);
        }

        if (s.Outcome != ReadOutcome.Ok)
        {
            return new ReadResult<ClickSummaryReport>(s.Outcome, null, s.RetryAfter);
        }

        return ReadResult.Ok(new ClickSummaryReport(d.Value!.Totals, d.Value.Devices, d.Value.Truncated, s.Value!));
    }

    private static BsonDocument ListFilter(ClickFilter filter, ClickPosition? after)
    {
        var query = new BsonDocument();
        if (filter.DeviceId is { } deviceId)
        {
            query.Add("deviceId", deviceId);
        }

        if (filter.ClickType is { } clickType)
        {
            query.Add("clickType", clickType);
        }

        var occurredAt = new BsonDocument();
        if (filter.From is { } from)
        {
            occurredAt.Add("$gte", Date(from));
        }

        if (filter.To is { } to)
        {
            occurredAt.Add("$lt", Date(to));
        }

        if (after is not null)
        {
            // Strictly after the position in (occurredAt desc, _id desc) order. The plain bound on occurredAt keeps
            // the index scan tight; the $or only decides the ties at exactly that time.
            occurredAt.Add("$lte", Date(after.OccurredAt));
            query.Add("$or", new BsonArray
            {
                new BsonDocument("occurredAt", new BsonDocument("$lt", Date(after.OccurredAt))),
                new BsonDocument("_id", new BsonDocument("$lt", after.Id)),
            });
        }

        if (occurredAt.ElementCount > 0)
        {
            query.Add("occurredAt", occurredAt);
        }

        return query;
    }

    /// <summary>
    /// The clicks of the range, oldest first by the (occurredAt, _id) index: a range bound and a sort on the
    /// index's fields, so both mongod and Cosmos DB answer it from the index.
    /// </summary>
    internal static BsonDocument[] RangeStages(SummaryRequest request) =>
    [
        new("$match", new BsonDocument("occurredAt", new BsonDocument { { "$gte", Date(request.From) }, { "$lt", Date(request.To) } })),
        new("$sort", new BsonDocument { { "occurredAt", 1 }, { "_id", 1 } }),
    ];

    /// <summary>
    /// One group per device (counts, first/last seen, latest battery reading), its low flag, then the most recently
    /// seen devices and the totals over all of them in one pass ($facet).
    /// </summary>
    internal static BsonDocument[] DevicesPipeline(SummaryRequest request)
    {
        // {$gt: [x, null]} is true exactly when x is present and not null (missing and null sort below every number).
        static BsonDocument Present(string path) => new("$gt", new BsonArray { path, BsonNull.Value });
        static BsonDocument CountOf(string clickType) =>
            new("$sum", new BsonDocument("$cond", new BsonArray { new BsonDocument("$eq", new BsonArray { "$clickType", clickType }), 1, 0 }));
        static BsonDocument AtOrBelow(string path, BsonValue threshold) =>
            new("$and", new BsonArray { Present(path), new BsonDocument("$lte", new BsonArray { path, threshold }) });

        var group = new BsonDocument
        {
            { "_id", "$deviceId" },
            { "total", new BsonDocument("$sum", 1) },
            { "single", CountOf(KnownClickTypes.SingleClick) },
            { "double", CountOf(KnownClickTypes.DoubleClick) },
            { "long", CountOf(KnownClickTypes.LongPress) },
            { "firstSeen", new BsonDocument("$min", "$occurredAt") },
            { "lastSeen", new BsonDocument("$max", "$occurredAt") },

            // The latest click that carried a reading: $max over documents compares their first field (the time)
            // first, then the id; clicks without a reading give null, which $max ignores.
            {
                "battery", new BsonDocument("$max", new BsonDocument("$cond", new BsonArray
                {
                    new BsonDocument("$or", new BsonArray { Present("$batteryMillivolts"), Present("$remainingLife") }),
                    new BsonDocument { { "at", "$occurredAt" }, { "id", "$_id" }, { "mv", "$batteryMillivolts" }, { "rl", "$remainingLife" } },
                    BsonNull.Value,
                }))
            },
        };
        var low = new BsonDocument("$or", new BsonArray
        {
            AtOrBelow("$battery.mv", request.Thresholds.Millivolts),
            AtOrBelow("$battery.rl", request.Thresholds.RemainingLife),
        });
        var totals = new BsonDocument
        {
            { "_id", BsonNull.Value },
            { "devices", new BsonDocument("$sum", 1) },
            { "clicks", new BsonDocument("$sum", "$total") },
            { "single", new BsonDocument("$sum", "$single") },
            { "double", new BsonDocument("$sum", "$double") },
            { "long", new BsonDocument("$sum", "$long") },
            { "lowBatteryDevices", new BsonDocument("$sum", new BsonDocument("$cond", new BsonArray { "$low", 1, 0 })) },
        };
        return
        [
            .. RangeStages(request),
            new("$group", group),
            new("$addFields", new BsonDocument("low", low)),
            new("$facet", new BsonDocument
            {
                {
                    "devices", new BsonArray
                    {
                        new BsonDocument("$sort", new BsonDocument { { "lastSeen", -1 }, { "_id", 1 } }),
                        new BsonDocument("$limit", request.MaxDevices + 1),
                    }
                },
                { "totals", new BsonArray { new BsonDocument("$group", totals) } },
            }),
        ];
    }

    /// <summary>Clicks per bucket: the bucket of a click is its time in Unix milliseconds rounded down to the bucket length.</summary>
    internal static BsonDocument[] SeriesPipeline(SummaryRequest request)
    {
        var length = (long)request.Bucket.Length().TotalMilliseconds;
        var millis = new BsonDocument("$toLong", "$occurredAt");
        var bucketStart = new BsonDocument("$subtract", new BsonArray { millis, new BsonDocument("$mod", new BsonArray { millis, length }) });
        return
        [
            .. RangeStages(request),
            new("$group", new BsonDocument { { "_id", bucketStart }, { "clicks", new BsonDocument("$sum", 1) } }),
        ];
    }

    private async Task<DeviceFigures> DevicesAsync(SummaryRequest request, CancellationToken cancellationToken)
    {
        using var cursor = await _collection.AggregateAsync<BsonDocument>(DevicesPipeline(request), cancellationToken: cancellationToken).ConfigureAwait(false);
        var result = await cursor.FirstAsync(cancellationToken).ConfigureAwait(false);
        var devices = result["devices"].AsBsonArray.Select(v => Device(v.AsBsonDocument)).ToList();
        var truncated = devices.Count > request.MaxDevices;
        if (truncated)
        {
            devices.RemoveAt(devices.Count - 1);
        }

        var totals = result["totals"].AsBsonArray.FirstOrDefault() is BsonDocument t
            ? new SummaryTotals(
                Long(t, "clicks"),
                new ClickTypeCounts(Long(t, "single"), Long(t, "double"), Long(t, "long")),
                Long(t, "devices"),
                Long(t, "lowBatteryDevices"))
            : new SummaryTotals(0, new ClickTypeCounts(0, 0, 0), 0, 0);
        return new DeviceFigures(totals, devices, truncated);
    }

    private async Task<IReadOnlyList<SeriesPoint>> SeriesAsync(SummaryRequest request, CancellationToken cancellationToken)
    {
        using var cursor = await _collection.AggregateAsync<BsonDocument>(SeriesPipeline(request), cancellationToken: cancellationToken).ConfigureAwait(false);
        var groups = await cursor.ToListAsync(cancellationToken).ConfigureAwait(false);
        return groups
            .Select(g => new SeriesPoint(DateTimeOffset.FromUnixTimeMilliseconds(g["_id"].ToInt64()), Long(g, "clicks")))
            .OrderBy(p => p.Start)
            .ToList();
    }

    private static DeviceSummary Device(BsonDocument group)
    {
        BatteryReading? battery = null;
        if (group.GetValue("battery", BsonNull.Value) is BsonDocument reading)
        {
            battery = new BatteryReading(
                reading.GetValue("mv", BsonNull.Value) is { IsNumeric: true } mv ? mv.ToInt32() : null,
                reading.GetValue("rl", BsonNull.Value) is { IsNumeric: true } rl ? rl.ToDouble() : null,
                Instant(reading["at"]),
                group.GetValue("low", false).ToBoolean());
        }

        return new DeviceSummary(
            group["_id"].ToString()!,
            Long(group, "total"),
            new ClickTypeCounts(Long(group, "single"), Long(group, "double"), Long(group, "long")),
            Instant(group["firstSeen"]),
            Instant(group["lastSeen"]),
            battery);
    }

    private static DateTimeOffset Instant(BsonValue value) => DateTimeOffset.FromUnixTimeMilliseconds(value.AsBsonDateTime.MillisecondsSinceEpoch);

    private static long Long(BsonDocument document, string field) => document.GetValue(field, 0).ToInt64();

    private static BsonDateTime Date(DateTimeOffset at) => new(at.ToUnixTimeMilliseconds());

    /// <summary>One read within the retry budget: 16500 is waited out and retried, other faults become outcomes.</summary>
    private async Task<ReadResult<T>> RunAsync<T>(string operation, Func<CancellationToken, Task<T>> read, CancellationToken cancellationToken)
        where T : class
    {
        var started = _time.GetTimestamp();
        TimeSpan? lastDelay = null;
        for (var attempt = 1; ; attempt++)
        {
            var remaining = _budget - _time.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero)
            {
                // Only reached after a wait for throttling (a timed-out attempt returns at once).
                return Throttled<T>(operation, attempt - 1, lastDelay ?? TimeSpan.FromSeconds(1));
            }

            TimeSpan? hint;
            using (var attemptCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                // The attempt may not outlive the budget: a hung connection must still end in a timely 503.
                attemptCancellation.CancelAfter(remaining);
                try
                {
                    return ReadResult.Ok(await read(attemptCancellation.Token).ConfigureAwait(false));
                }
                catch (MongoCommandException ex) when (CosmosRetryPolicy.IsThrottle(ex.Code))
                {
                    hint = CosmosRetryPolicy.RetryAfterFromMessage(ex.ErrorMessage);
                }
                catch (MongoExecutionTimeoutException)
                {
                    hint = null;
                }
                catch (Exception ex) when (ex is MongoConnectionException or TimeoutException or MongoNotPrimaryException or MongoNodeIsRecoveringException
                    or MongoConnectionPoolPausedException or MongoWaitQueueFullException)
                {
                    LogConnectionFault(_logger, operation, ex.GetType().Name);
                    return Unavailable<T>(operation, attempt);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    return Unavailable<T>(operation, attempt);
                }
                catch (MongoException ex)
                {
                    LogStoreError(_logger, ex, operation);
                    return new ReadResult<T>(ReadOutcome.Failed, null);
                }
            }

            var delay = hint ?? CosmosRetryPolicy.Backoff(attempt, Random.Shared);
            if (_time.GetElapsedTime(started) + delay >= _budget)
            {
                return Throttled<T>(operation, attempt, delay);
            }

            LogRetrying(_logger, operation, attempt, delay.TotalMilliseconds);
            lastDelay = delay;
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Throttled, with the wait the store asked for last (or the backoff) as the advice to the caller.</summary>
    private ReadResult<T> Throttled<T>(string operation, int attempts, TimeSpan delay)
        where T : class
    {
        LogThrottled(_logger, operation, attempts, delay.TotalMilliseconds);
        return new ReadResult<T>(ReadOutcome.Throttled, null, delay);
    }

    private ReadResult<T> Unavailable<T>(string operation, int attempts)
        where T : class
    {
        LogUnavailable(_logger, operation, attempts);
        return new ReadResult<T>(ReadOutcome.Unavailable, null);
    }

    private sealed record DeviceFigures(SummaryTotals Totals, List<DeviceSummary> Devices, bool Truncated);

    [LoggerMessage(EventId = 3300, Level = LogLevel.Information, Message = "Store throttled the {Operation} read: retrying after attempt {Attempt} in {DelayMs} ms")]
    private static partial void LogRetrying(ILogger logger, string operation, int attempt, double delayMs);

    [LoggerMessage(EventId = 3301, Level = LogLevel.Warning, Message = "Store kept throttling the {Operation} read: gave up after {Attempts} attempts; it asked to wait {DelayMs} ms")]
    private static partial void LogThrottled(ILogger logger, string operation, int attempts, double delayMs);

    [LoggerMessage(EventId = 3302, Level = LogLevel.Warning, Message = "Store connection fault ({Fault}) during the {Operation} read")]
    private static partial void LogConnectionFault(ILogger logger, string operation, string fault);

    [LoggerMessage(EventId = 3303, Level = LogLevel.Warning, Message = "Store unavailable for the {Operation} read after {Attempts} attempts")]
    private static partial void LogUnavailable(ILogger logger, string operation, int attempts);

    [LoggerMessage(EventId = 3304, Level = LogLevel.Error, Message = "Store refused the {Operation} read")]
    private static partial void LogStoreError(ILogger logger, Exception exception, string operation);
}
