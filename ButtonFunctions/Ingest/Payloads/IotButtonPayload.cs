using ButtonFunctions.Clicks;

namespace ButtonFunctions.Ingest.Payloads;

/// <summary>
/// The classic AWS IoT Button on topic <c>iotbutton/&lt;serial&gt;</c>:
/// <c>{"serialNumber":"G030JF055364XVRB","batteryVoltage":"1705mV","clickType":"SINGLE"}</c>, all strings.
/// </summary>
internal sealed class IotButtonPayload : IClickPayloadShape
{
    public string Marker => "serialNumber";

    public string Name => "AWS IoT Button";

    public ClickDraft? Read(JsonFieldReader fields)
    {
        var deviceId = fields.DeviceId("serialNumber");
        var clickType = fields.ClickType("clickType");
        var millivolts = fields.Millivolts("batteryVoltage");
        return deviceId is null || clickType is null
            ? null
            : new ClickDraft(ClickSources.IotButton, deviceId, clickType) { BatteryMillivolts = millivolts };
    }
}
