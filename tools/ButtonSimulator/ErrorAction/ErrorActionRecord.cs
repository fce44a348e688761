using System.Text.Json.Serialization;
using ButtonSimulator.Payloads;

namespace ButtonSimulator.ErrorAction;

/// <summary>
/// What an AWS IoT rule's error action receives after the last failed try, in either of its two shapes
/// (aws/FACTS.md, "Error-action records"): one message with <c>base64OriginalPayload</c>,
/// <c>cloudwatchTraceId</c>, <c>clientId</c> and <c>sourceIp</c> at the top level; or, with HTTP batching,
/// one record per failed batch whose <c>payloadsWithMetadata</c> holds one entry per message and whose
/// <c>failures[].affectedIds</c> name the entries each failure hit. With <c>batchAcrossTopics</c> the
/// <c>topic</c> moves from the top level into each entry.
/// </summary>
internal sealed record ErrorActionRecord(
    [property: JsonPropertyName("ruleName")] string? RuleName,
    [property: JsonPropertyName("topic"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Topic,
    [property: JsonPropertyName("cloudwatchTraceId"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? CloudwatchTraceId,
    [property: JsonPropertyName("clientId"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ClientId,
    [property: JsonPropertyName("sourceIp"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? SourceIp,
    [property: JsonPropertyName("base64OriginalPayload"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Base64OriginalPayload,
    [property: JsonPropertyName("payloadsWithMetadata"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<ErrorActionPayload>? PayloadsWithMetadata,
    [property: JsonPropertyName("failures")] IReadOnlyList<ErrorActionFailure>? Failures)
{
    /// <summary>The loopback address the simulator reports as the device's source IP.</summary>
    public const string SimulatedSourceIp = "127.0.0.1";

    /// <summary>Whether this is the batched shape (one record for a whole failed batch).</summary>
    [JsonIgnore]
    public bool IsBatched => PayloadsWithMetadata is not null;

    /// <summary>Whether the record carries anything to replay.</summary>
    [JsonIgnore]
    public bool HasPayload => Base64OriginalPayload is not null || PayloadsWithMetadata is { Count: > 0 };

    /// <summary>The record for one message that failed every try.</summary>
    public static ErrorActionRecord For(IotMessage message, string ruleName, Uri resource, string errorMessage) =>
        new(ruleName, message.Topic, message.TraceId, message.ClientId, SimulatedSourceIp, Convert.ToBase64String(message.OriginalPayload), null,
            [new ErrorActionFailure(null, "HttpAction", resource.AbsoluteUri, errorMessage)]);

    /// <summary>
    /// The record for a batch that failed every try: entries numbered from 1, one failure naming all of them.
    /// Without <paramref name="acrossTopics"/> every message of the batch has the same topic (AWS batches per
    /// topic then), so the topic stays at the top level; with it, each entry carries its own.
    /// </summary>
    public static ErrorActionRecord ForBatch(IReadOnlyList<IotMessage> messages, bool acrossTopics, string ruleName, Uri resource, string errorMessage)
    {
        ArgumentOutOfRangeException.ThrowIfZero(messages.Count);
        var entries = messages
            .Select((m, i) => new ErrorActionPayload(i + 1, acrossTopics ? m.Topic : null, m.TraceId, m.ClientId, SimulatedSourceIp, Convert.ToBase64String(m.OriginalPayload)))
            .ToArray();
        return new ErrorActionRecord(ruleName, acrossTopics ? null : messages[0].Topic, null, null, null, null, entries,
            [new ErrorActionFailure([.. entries.Select(e => e.Id)], "HttpAction", resource.AbsoluteUri, errorMessage)]);
    }

    /// <summary>
    /// The messages this record asks to replay, each with the trace id it should carry, or why one cannot be
    /// replayed. A batched entry is replayed when a failure names it in <c>affectedIds</c>, or when no failure
    /// names any entry (nothing says which failed, so all did).
    /// </summary>
    /// <param name="keyTraceId">The rule's <c>traceid()</c> from the record's object key, if the key carries one (unbatched records only).</param>
    public IReadOnlyList<ReplayItem> ReplayItems(string? keyTraceId)
    {
        if (PayloadsWithMetadata is null)
        {
            // The key holds what the rule SQL's traceid() gave this very message; cloudwatchTraceId is the fallback.
            return [Item(null, Base64OriginalPayload, Topic, ClientId, keyTraceId ?? CloudwatchTraceId)];
        }

        var named = Failures?.Where(f => f.AffectedIds is not null).SelectMany(f => f.AffectedIds!).ToHashSet();
        return PayloadsWithMetadata
            .Select(e => named is { Count: > 0 } && !named.Contains(e.Id)
                ? new ReplayItem(e.Id, null, null, NotFailed: true)
                : Item(e.Id, e.Base64OriginalPayload, e.Topic ?? Topic, e.ClientId, e.CloudwatchTraceId))
            .ToArray();
    }

    private static ReplayItem Item(int? entryId, string? base64, string? topic, string? clientId, string? traceId)
    {
        if (string.IsNullOrEmpty(base64))
        {
            return new ReplayItem(entryId, null, "no base64OriginalPayload");
        }

        var payload = new byte[base64.Length];
        if (!Convert.TryFromBase64String(base64, payload, out var length))
        {
            return new ReplayItem(entryId, null, "base64OriginalPayload is not valid base64");
        }

        return new ReplayItem(entryId, ClickPayloads.FromOriginal(payload[..length], topic ?? string.Empty, clientId ?? string.Empty, traceId), null);
    }
}

/// <summary>One message of a batched error-action record.</summary>
internal sealed record ErrorActionPayload(
    [property: JsonPropertyName("id")] int Id,
    [property: JsonPropertyName("topic"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Topic,
    [property: JsonPropertyName("cloudwatchTraceId")] string? CloudwatchTraceId,
    [property: JsonPropertyName("clientId")] string? ClientId,
    [property: JsonPropertyName("sourceIp"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? SourceIp,
    [property: JsonPropertyName("base64OriginalPayload")] string? Base64OriginalPayload);

/// <summary>One failed action; <c>affectedIds</c> (batched records only) names the entries it hit.</summary>
internal sealed record ErrorActionFailure(
    [property: JsonPropertyName("affectedIds"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<int>? AffectedIds,
    [property: JsonPropertyName("failedAction")] string FailedAction,
    [property: JsonPropertyName("failedResource")] string FailedResource,
    [property: JsonPropertyName("errorMessage")] string ErrorMessage);

/// <summary>A message to re-post (or why not); <paramref name="EntryId"/> is the batched entry's id.</summary>
internal sealed record ReplayItem(int? EntryId, IotMessage? Message, string? Problem, bool NotFailed = false);
