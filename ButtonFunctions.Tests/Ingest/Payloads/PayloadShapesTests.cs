using System.Text.Json;
using ButtonFunctions.Clicks;
using ButtonFunctions.Ingest.Payloads;

namespace ButtonFunctions.Tests.Ingest.Payloads;

[Trait("Category", "Unit")]
public sealed class PayloadShapesTests
{
    private static readonly DateTimeOffset Arrival = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);

    private static JsonFieldReader Reader(string json) => new(JsonDocument.Parse(json).RootElement.Clone(), Arrival);

    [Fact]
    public void Every_shape_of_the_assembly_is_found_and_each_has_its_own_marker()
    {
        Assert.Equal(
            ["deviceEvent", "deviceId", "serialNumber"],
            PayloadShapes.All.Select(s => s.Marker));
        Assert.Equal(
            [typeof(OneClickPayload), typeof(MqttButtonPayload), typeof(IotButtonPayload)],
            PayloadShapes.All.Select(s => s.GetType()));
    }

    [Theory]
    [InlineData("""{"serialNumber":"G030","clickType":"SINGLE"}""", typeof(IotButtonPayload))]
    [InlineData("""{"DeviceId":"esp32","clickType":"single"}""", typeof(MqttButtonPayload))]
    [InlineData("""{"deviceEvent":{},"deviceInfo":{}}""", typeof(OneClickPayload))]
    public void Exactly_one_marker_picks_the_shape(string json, Type expected)
    {
        var shape = PayloadShapes.Detect(Reader(json), out var reason);

        Assert.IsType(expected, shape);
        Assert.Null(reason);
    }

    [Fact]
    public void No_marker_names_every_shape_it_expected()
    {
        var shape = PayloadShapes.Detect(Reader("""{"clickType":"SINGLE"}"""), out var reason);

        Assert.Null(shape);
        Assert.Equal(
            "unrecognised payload: expected 'deviceEvent' (AWS IoT 1-Click) or 'deviceId' (MQTT button) or 'serialNumber' (AWS IoT Button)",
            reason);
    }

    [Fact]
    public void Two_markers_are_ambiguous()
    {
        var shape = PayloadShapes.Detect(Reader("""{"serialNumber":"A","deviceId":"B"}"""), out var reason);

        Assert.Null(shape);
        Assert.StartsWith("ambiguous payload", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void The_classic_button_reads_serial_click_and_battery()
    {
        var draft = new IotButtonPayload().Read(Reader("""{"serialNumber":"G030JF055364XVRB","batteryVoltage":"1705mV","clickType":"DOUBLE"}"""));

        Assert.Equal(new ClickDraft(ClickSources.IotButton, "G030JF055364XVRB", ClickTypes.DoubleClick) { BatteryMillivolts = 1705 }, draft);
    }

    [Fact]
    public void The_mqtt_button_reads_its_own_time()
    {
        var draft = new MqttButtonPayload().Read(Reader("""{"deviceId":"esp32-hall-1","clickType":"long","timestamp":"2026-12-01T09:00:00Z"}"""));

        Assert.Equal(ClickTypes.LongPress, draft?.ClickType);
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero), draft?.DeviceTime);
    }

    [Fact]
    public void The_one_click_button_reads_nested_fields_and_placement()
    {
        var draft = new OneClickPayload().Read(Reader("""
            {"deviceEvent":{"buttonClicked":{"clickType":"SINGLE","reportedTime":"2026-12-01T09:00:00.5Z"}},
             "deviceInfo":{"deviceId":"G030PM","remainingLife":42.5},
             "placementInfo":{"projectName":"kitchen","attributes":{"room":"1"},"devices":{"a":"G030PM"}}}
            """));

        Assert.Equal("G030PM", draft?.DeviceId);
        Assert.Equal(42.5, draft?.RemainingLife);
        Assert.Equal("kitchen", draft?.Placement?.ProjectName);
        Assert.Null(draft?.Placement?.PlacementName);
        Assert.Equal("1", draft?.Placement?.Attributes["room"]);
    }

    [Fact]
    public void A_one_click_payload_without_device_info_is_refused_by_path()
    {
        var fields = Reader("""{"deviceEvent":{"buttonClicked":{"clickType":"SINGLE"}}}""");

        Assert.Null(new OneClickPayload().Read(fields));
        Assert.Equal("'deviceInfo' is required", fields.FirstError);
    }
}
