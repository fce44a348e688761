using ButtonFunctions.Clicks;

namespace ButtonFunctions.Ingest.Payloads;

/// <summary>
/// A generic MQTT button (ESP32-style devices):
/// <c>{"deviceId":"esp32-hall-1","clickType":"single","timestamp":"2026-11-25T18:00:00.250Z"}</c>;
/// the click type in any case, the timestamp optional.
/// </summary>
internal sealed class MqttButtonPayload : IClickPayloadShape
{
    public string Marker => "deviceId";

    public string Name => "MQTT button";

    public ClickDraft? Read(JsonFieldReader fields)
    {
        var deviceId = fields.DeviceId("deviceId");
        var clickType = fields.ClickType("clickType");
        var timestamp = fields.Timestamp("timestamp", out var wholeSeconds);
        return deviceId is null || clickType is null
            ? null
            : new ClickDraft(ClickSources.MqttButton, deviceId, clickType) { DeviceTime = timestamp, DeviceTimeWholeSeconds = wholeSeconds };
    }
}
