using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ButtonSimulator.Payloads;

/// <summary>The device message shapes the function accepts (docs/architecture.md, "AWS IoT").</summary>
internal enum ButtonShape
{
    /// <summary>Classic AWS IoT Button: {serialNumber, batteryVoltage, clickType}.</summary>
    Classic,

    /// <summary>AWS IoT 1-Click / enterprise button: {deviceEvent, deviceInfo}.</summary>
    OneClick,

    /// <summary>Generic MQTT button: {deviceId, clickType (lower case), timestamp}.</summary>
    Mqtt,
}

internal enum ClickType
{
    Single,
    Double,
    Long,
}

/// <summary>
/// One MQTT message as the topic rule sees it: the device's payload (what the error action
/// base64-encodes) and the rule's SQL result (what the HTTP action posts).
/// </summary>
/// <param name="TraceId">The rule's <c>traceid()</c>: kept across retries, reported as <c>cloudwatchTraceId</c> on errors.</param>
internal sealed record IotMessage(
    string Topic,
    string ClientId,
    string TraceId,
    byte[] OriginalPayload,
    byte[] RuleOutput,
    IReadOnlyDictionary<string, string> Headers);

/// <summary>Builds device payloads and the rule SQL output (<c>SELECT *, topic() AS topic, timestamp() AS receivedAtMs, traceid() AS traceId</c>).</summary>
internal static class ClickPayloads
{
    private static readonly IReadOnlyDictionary<string, string> NoHeaders = new Dictionary<string, string>();

    /// <summary>The MQTT topic a button publishes to (the rule's default filter is <c>iotbutton/+</c>).</summary>
    public static string TopicFor(string deviceId) => $"iotbutton/{deviceId}";

    public static JsonObject DevicePayload(ButtonShape shape, string deviceId, ClickType clickType, DateTimeOffset at, int batteryMillivolts = 1705)
    {
        var type = clickType.ToString().ToUpperInvariant();
        var timestamp = at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        return shape switch
        {
            ButtonShape.Classic => new JsonObject
            {
                ["serialNumber"] = deviceId,
                ["batteryVoltage"] = $"{batteryMillivolts.ToString(CultureInfo.InvariantCulture)}mV",
                ["clickType"] = type,
            },
            ButtonShape.OneClick => new JsonObject
            {
                ["deviceEvent"] = new JsonObject { ["buttonClicked"] = new JsonObject { ["clickType"] = type, ["reportedTime"] = timestamp } },
                ["deviceInfo"] = new JsonObject
                {
                    ["attributes"] = new JsonObject { ["projectName"] = "simulator", ["placementName"] = "desk" },
                    ["type"] = "button",
                    ["deviceId"] = deviceId,
                    ["remainingLife"] = 5.0,
                },
            },
            ButtonShape.Mqtt => new JsonObject
            {
                ["deviceId"] = deviceId,
                ["clickType"] = type.ToLowerInvariant(),
                ["timestamp"] = timestamp,
            },
            _ => throw new ArgumentOutOfRangeException(nameof(shape), shape, "unknown button shape"),
        };
    }

    /// <summary>What the recommended rule SQL makes of a payload; fields the payload already has are kept.</summary>
    public static JsonObject Enrich(JsonObject payload, string topic, long receivedAtMs, string traceId)
    {
        var result = (JsonObject)payload.DeepClone();
        result["topic"] = topic;
        result["receivedAtMs"] = receivedAtMs;
        result["traceId"] = traceId;
        return result;
    }

    /// <summary>A simulated click, enriched like the rule SQL unless <paramref name="enriched"/> is false.</summary>
    public static IotMessage Click(ButtonShape shape, string deviceId, ClickType clickType, DateTimeOffset at, bool enriched = true, IReadOnlyDictionary<string, string>? headers = null)
    {
        var topic = TopicFor(deviceId);
        var traceId = Guid.NewGuid().ToString();
        var payload = DevicePayload(shape, deviceId, clickType, at);
        var output = enriched ? Enrich(payload, topic, at.ToUnixTimeMilliseconds(), traceId) : payload;
        return new IotMessage(topic, deviceId, traceId, Utf8(payload), Utf8(output), headers ?? NoHeaders);
    }

    /// <summary>
    /// Rebuilds the message the rule would have posted from an error-action record: the original payload
    /// plus the topic and the trace id, so the function derives the same event id as the first time. Without a
    /// trace id none is invented: the function then derives the id from the payload itself.
    /// </summary>
    public static IotMessage FromOriginal(byte[] originalPayload, string topic, string clientId, string? traceId)
    {
        byte[] output = originalPayload;
        try
        {
            if (JsonNode.Parse(originalPayload) is JsonObject payload)
            {
                payload["topic"] ??= topic;
                if (!string.IsNullOrEmpty(traceId))
                {
                    payload["traceId"] ??= traceId;
                }

                output = Utf8(payload);
            }
        }
        catch (JsonException)
        {
            // Not JSON: re-post the bytes unchanged, as the rule would have.
        }

        return new IotMessage(topic, clientId, traceId ?? string.Empty, originalPayload, output, NoHeaders);
    }

    private static byte[] Utf8(JsonNode node) => Encoding.UTF8.GetBytes(node.ToJsonString());
}
