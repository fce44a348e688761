using System.Globalization;
using System.Text.Json;
using ButtonFunctions.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ButtonFunctions.Ingest;

/// <summary>An HTTP answer, decided here and written by the function: status, body (a receipt or problem details), Retry-After.</summary>
public sealed record IngestResponse(int StatusCode, object Body, TimeSpan? RetryAfter = null);

/// <summary>Body of 201/200: how many clicks were stored now, how many were already there, and their ids.</summary>
public sealed record IngestReceipt(int Stored, int Duplicates, IReadOnlyList<string> Ids, bool IdsTruncated);

/// <summary>One refused element of the request.</summary>
public sealed record ClickError(int Index, string Reason);

/// <summary>
/// The ingestion use case: parse the body into clicks, store the valid ones, and decide the answer so that
/// AWS IoT does the right thing with it (retry on 429/5xx, stop on other 4xx). Every answer stays far below
/// the 16 KiB past which AWS stops retrying: the listed ids and errors are capped.
/// </summary>
public sealed partial class ClickIngestion
{
    /// <summary>Byte budgets (as JSON-encoded) for listed ids and errors; the rest of any body is well under 1 KiB.</summary>
    internal const int IdsBudgetBytes = 8_192;
    internal const int ErrorsBudgetBytes = 5_120;

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

    public async Task<IngestResponse> IngestAsync(ReadOnlyMemory<byte> body, string? clientId, CancellationToken cancellationToken)
    {
        var batch = _parser.Parse(body, _time.GetUtcNow(), clientId);
        if (batch.Error != ClickBatchError.None)
        {
            var (status, type, title) = batch.Error switch
            {
                ClickBatchError.EmptyBody => (StatusCodes.Status400BadRequest, IngestProblems.EmptyBody, "Empty body"),
                ClickBatchError.InvalidJson => (StatusCodes.Status400BadRequest, IngestProblems.InvalidJson, "Invalid JSON"),
                ClickBatchError.TooManyClicks => (StatusCodes.Status413PayloadTooLarge, IngestProblems.TooManyClicks, "Too many clicks"),
                _ => (StatusCodes.Status400BadRequest, IngestProblems.UnsupportedPayload, "Unsupported payload"),
            };
            LogRequestRefused(_logger, status, type, batch.ErrorDetail!);
            return new IngestResponse(status, IngestProblems.Create(status, type, title, batch.ErrorDetail!));
        }

        var valid = batch.Items.Where(i => i.Click is not null).ToList();
        var invalid = batch.Items.Where(i => i.Click is null).Select(i => new ClickError(i.Index, i.Error!)).ToList();
        foreach (var item in valid.Where(i => i.FreshId))
        {
            LogFreshId(_logger, item.Click!.DeviceId, item.Index, item.Click.Id);
        }

        var result = valid.Count == 0
            ? new ClickStoreResult(ClickStoreOutcome.Stored, [])
            : await _store.InsertAsync(valid.Select(i => i.Click!).ToList(), cancellationToken).ConfigureAwait(false);

        var ids = valid.Where((_, k) => result.Statuses[k] != ClickWriteStatus.NotStored).Select(i => i.Click!.Id);
        var (listedIds, idsTruncated) = Cap(ids, IdsBudgetBytes, id => id);
        if (invalid.Count > 0)
        {
            LogInvalidClicks(_logger, invalid.Count, batch.Items.Count, invalid[0].Index, invalid[0].Reason);
        }

        if (result.Outcome != ClickStoreOutcome.Stored)
        {
            return StoreProblem(result, valid.Count);
        }

        if (valid.Count > 0)
        {
            LogStored(_logger, result.Inserted, result.Duplicates, clientId);
        }

        if (invalid.Count > 0)
        {
            var (listedErrors, errorsTruncated) = Cap(invalid, ErrorsBudgetBytes, e => e.Reason);
            var problem = IngestProblems.Create(
                StatusCodes.Status400BadRequest,
                IngestProblems.InvalidClicks,
                "Invalid clicks",
                string.Create(CultureInfo.InvariantCulture, $"{invalid.Count} of {batch.Items.Count} clicks are invalid and were not stored; the {valid.Count} valid ones were stored ({result.Inserted} new, {result.Duplicates} already present)."));
            problem.Extensions["stored"] = result.Inserted;
            problem.Extensions["duplicates"] = result.Duplicates;
            problem.Extensions["ids"] = listedIds;
            problem.Extensions["idsTruncated"] = idsTruncated;
            problem.Extensions["errors"] = listedErrors;
            problem.Extensions["errorsTruncated"] = errorsTruncated;
            return new IngestResponse(StatusCodes.Status400BadRequest, problem);
        }

        var receipt = new IngestReceipt(result.Inserted, result.Duplicates, listedIds, idsTruncated);
        return new IngestResponse(result.Inserted > 0 ? StatusCodes.Status201Created : StatusCodes.Status200OK, receipt);
    }

    private IngestResponse StoreProblem(ClickStoreResult result, int validCount)
    {
        var (status, type, title, detail) = result.Outcome switch
        {
            ClickStoreOutcome.Throttled => (StatusCodes.Status429TooManyRequests, IngestProblems.StoreThrottled, "Store throttled",
                "The store is rate limiting; retry after the Retry-After delay. Clicks already stored will count as duplicates."),
            ClickStoreOutcome.Unavailable => (StatusCodes.Status503ServiceUnavailable, IngestProblems.StoreUnavailable, "Store unavailable",
                "The store could not be reached in time; retry after the Retry-After delay. Clicks already stored will count as duplicates."),
            _ => (StatusCodes.Status500InternalServerError, IngestProblems.StoreError, "Store error",
                "The store refused the clicks; see the function's log."),
        };
        LogNotStored(_logger, result.Outcome, validCount - result.Inserted - result.Duplicates, validCount, status, result.RetryAfter?.TotalSeconds);
        var problem = IngestProblems.Create(status, type, title, detail);
        problem.Extensions["stored"] = result.Inserted;
        problem.Extensions["duplicates"] = result.Duplicates;
        return new IngestResponse(status, problem, result.RetryAfter);
    }

    /// <summary>Takes items in order while their JSON-encoded size fits the budget; says whether any were left out.</summary>
    private static (List<T> Items, bool Truncated) Cap<T>(IEnumerable<T> items, int budgetBytes, Func<T, string> text)
    {
        var taken = new List<T>();
        var used = 0;
        foreach (var item in items)
        {
            used += JsonEncodedText.Encode(text(item)).EncodedUtf8Bytes.Length + 32;
            if (used > budgetBytes)
            {
                return (taken, true);
            }

            taken.Add(item);
        }

        return (taken, false);
    }

    [LoggerMessage(EventId = 3000, Level = LogLevel.Information, Message = "Stored {Inserted} new and {Duplicates} duplicate clicks for client {ClientId}")]
    private static partial void LogStored(ILogger logger, int inserted, int duplicates, string? clientId);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Refused {Invalid} of {Total} clicks; first at index {Index}: {Reason}")]
    private static partial void LogInvalidClicks(ILogger logger, int invalid, int total, int index, string reason);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Click request refused with {Status} ({ProblemType}): {Detail}")]
    private static partial void LogRequestRefused(ILogger logger, int status, string problemType, string detail);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "Click from device {DeviceId} (index {Index}) has no traceId, receivedAtMs or device time; stored under fresh id {ClickId}, so a retry of it cannot be recognised as a duplicate")]
    private static partial void LogFreshId(ILogger logger, string deviceId, int index, string clickId);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "Store {Outcome}: {Pending} of {Valid} clicks not stored; answering {Status} with Retry-After {RetryAfterSeconds} s")]
    private static partial void LogNotStored(ILogger logger, ClickStoreOutcome outcome, int pending, int valid, int status, double? retryAfterSeconds);
}
