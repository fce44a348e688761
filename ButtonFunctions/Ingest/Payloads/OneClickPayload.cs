using ButtonFunctions.Clicks;

namespace ButtonFunctions.Ingest.Payloads;

/// <summary>
/// AWS IoT 1-Click (service retired in 2024; its payloads are still archived and replayed):
/// <c>{"deviceEvent":{"buttonClicked":{"clickType","reportedTime"}},"deviceInfo":{"deviceId","remainingLife",...},
/// "placementInfo":{"projectName","placementName","attributes":{},"devices":{}}}</c>, placementInfo optional.
/// </summary>
internal sealed class OneClickPayload : IClickPayloadShape
{
    public string Marker => "deviceEvent";

    public string Name => "AWS IoT 1-Click";

    public ClickDraft? Read(JsonFieldReader fields)
    {
        var buttonClicked = fields.Object("deviceEvent", required: true)?.Object("buttonClicked", required: true);
        var clickType = buttonClicked?.ClickType("clickType");
        var wholeSeconds = false;
        var reportedTime = buttonClicked?.Timestamp("reportedTime", out wholeSeconds);

        var deviceInfo = fields.Object("deviceInfo", required: true);
        var deviceId = deviceInfo?.DeviceId("deviceId");
        var remainingLife = deviceInfo?.Number("remainingLife", 0, 100);

        ClickPlacement? placement = null;
        if (fields.Object("placementInfo", required: false) is { } placementInfo)
        {
            placement = new ClickPlacement(
                placementInfo.String("projectName", required: false, PayloadLimits.MaxNameLength),
                placementInfo.String("placementName", required: false, PayloadLimits.MaxNameLength),
                placementInfo.StringMap("attributes") ?? new Dictionary<string, string>(),
                placementInfo.StringMap("devices") ?? new Dictionary<string, string>());
        }

        return deviceId is null || clickType is null
            ? null
            : new ClickDraft(ClickSources.IotOneClick, deviceId, clickType)
            {
                DeviceTime = reportedTime,
                DeviceTimeWholeSeconds = wholeSeconds,
                RemainingLife = remainingLife,
                Placement = placement,
            };
    }
}
