using System.Globalization;
using System.Text.Json;
using ButtonFunctions.Clicks;
using ButtonFunctions.Ingest.Payloads;
using ButtonFunctions.Json;
using Microsoft.Extensions.Options;

namespace ButtonFunctions.Ingest;

/// <summary>Why a request body as a whole was refused (items of an accepted array carry their own errors).</summary>
internal enum ClickBatchError
{
    None,
    EmptyBody,
    InvalidJson,
    UnsupportedRoot,
    EmptyArray,
    TooManyClicks,
}

/// <summary>One element of the request: a normalised click, or the reason it was refused.</summary>
/// <param name="FreshId">The payload carried nothing stable, so its id is new and duplicates cannot be detected.</param>
internal sealed record ParsedClick(int Index, ClickEvent? Click, string? Error, bool FreshId = false, ClickProblem Problem = ClickProblem.None);

/// <summary>The request body read as clicks: either a whole-body error or one entry per element.</summary>
internal sealed record ClickBatch(ClickBatchError Error, string? ErrorDetail, IReadOnlyList<ParsedClick> Items)
{
    public static ClickBatch Refused(ClickBatchError error, string detail) => new(error, detail, []);
}

/// <summary>
/// Reads a request body into <see cref="ClickEvent"/>s: one click object or an array of them, each in any shape of
/// <see cref="PayloadShapes"/>, alone or mixed, plus the fields the topic rule's SQL adds to every shape. Unknown
/// fields are ignored, because the recommended rule is <c>SELECT *</c>. The body is read strictly by
/// <see cref="JsonBody"/>; the shapes read their own fields; the id and time are chosen by <see cref="ClickId"/>.
/// </summary>
internal sealed class ClickPayloadParser(IOptions<IngestOptions> options)
{
    private readonly IngestOptions _options = options.Value;
    private readonly IReadOnlyList<DeviceTopicPattern> _deviceTopics = DeviceTopicPattern.FromSettings(options.Value.DeviceTopicPatterns);

    public ClickBatch Parse(ReadOnlyMemory<byte> body, DateTimeOffset receivedAt, string? clientId)
    {
        using var document = JsonBody.Parse(body, PayloadLimits.MaxDepth, out var error, out var detail);
        if (document is null)
        {
            return error == JsonBodyError.Empty
                ? ClickBatch.Refused(ClickBatchError.EmptyBody, "The request body is empty; send a click object or an array of them.")
                : ClickBatch.Refused(ClickBatchError.InvalidJson, detail!);
        }

        var root = document.RootElement;
        switch (root.ValueKind)
        {
            case JsonValueKind.Object:
                return new ClickBatch(ClickBatchError.None, null, [ParseItem(0, root, receivedAt, clientId)]);
            case JsonValueKind.Array:
                var count = root.GetArrayLength();
                if (count == 0)
                {
                    return ClickBatch.Refused(ClickBatchError.EmptyArray, "The array is empty; send at least one click.");
                }

                if (count > _options.MaxEvents)
                {
                    return ClickBatch.Refused(
                        ClickBatchError.TooManyClicks,
                        string.Create(CultureInfo.InvariantCulture, $"The array holds {count} clicks; at most {_options.MaxEvents} are accepted per request."));
                }

                var items = new List<ParsedClick>(count);
                var index = 0;
                foreach (var element in root.EnumerateArray())
                {
                    items.Add(ParseItem(index++, element, receivedAt, clientId));
                }

                return new ClickBatch(ClickBatchError.None, null, items);
            default:
                return ClickBatch.Refused(
                    ClickBatchError.UnsupportedRoot,
                    "The body must be a JSON object or an array of objects, not " + JsonKinds.Describe(root.ValueKind) + ".");
        }
    }

    private ParsedClick ParseItem(int index, JsonElement item, DateTimeOffset receivedAt, string? clientId)
    {
        if (item.ValueKind != JsonValueKind.Object)
        {
            return new ParsedClick(index, null, "must be a JSON object, not " + JsonKinds.Describe(item.ValueKind), Problem: ClickProblem.NotAnObject);
        }

        var fields = new JsonFieldReader(item, receivedAt);
        var shape = PayloadShapes.Detect(fields, out var unrecognised);
        if (shape is null && fields.FirstError is null)
        {
            fields.Fail(ClickProblem.UnrecognisedShape, unrecognised!);
        }

        var draft = fields.FirstError is null ? shape?.Read(fields) : null;

        // Fields the topic rule's SQL adds to any shape.
        var topic = fields.String("topic", required: false, PayloadLimits.MaxTopicLength);
        var traceId = fields.String("traceId", required: false, PayloadLimits.MaxTraceIdLength);
        var receivedAtMs = fields.UnixMilliseconds("receivedAtMs");

        if (fields.FirstError is null && draft is not null && topic is not null)
        {
            CheckDeviceAgainstTopic(fields, topic, draft.DeviceId);
        }

        if (fields.FirstError is not null || draft is null)
        {
            return new ParsedClick(index, null, fields.FirstError ?? "invalid click", Problem: fields.FirstError is null ? ClickProblem.UnrecognisedShape : fields.FirstProblem);
        }

        var identity = ClickId.Choose(draft.DeviceId, draft.ClickType, draft.DeviceTime, draft.DeviceTimeWholeSeconds, receivedAtMs, traceId, receivedAt);
        var click = new ClickEvent
        {
            Id = identity.Id,
            DeviceId = draft.DeviceId,
            ClickType = draft.ClickType,
            OccurredAt = identity.OccurredAt,
            TimeSource = identity.TimeSource,
            ReceivedAt = receivedAt,
            Source = draft.Source,
            BatteryMillivolts = draft.BatteryMillivolts,
            RemainingLife = draft.RemainingLife,
            Placement = draft.Placement,
            Topic = topic,
            TraceId = traceId,
            ClientId = clientId,
        };
        return new ParsedClick(index, click, null, identity.IsFresh);
    }

    /// <summary>
    /// A topic that names a device (the first matching <c>Ingest:DeviceTopicPatterns</c> entry) binds the click to that
    /// device: AWS sets the topic from what the device was allowed to publish to, the body says whatever the device
    /// wrote. A topic that matches no pattern (a generic one) names no device, and the click passes.
    /// </summary>
    private void CheckDeviceAgainstTopic(JsonFieldReader fields, string topic, string deviceId)
    {
        foreach (var pattern in _deviceTopics)
        {
            if (pattern.TryMatch(topic, out var topicDevice))
            {
                if (!string.Equals(topicDevice, deviceId, StringComparison.Ordinal))
                {
                    fields.Fail(ClickProblem.TopicMismatch, $"'topic' {topic} belongs to device '{topicDevice}', but the click names device '{deviceId}'");
                }

                return;
            }
        }
    }
}
