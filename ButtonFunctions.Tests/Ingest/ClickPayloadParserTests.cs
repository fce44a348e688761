using System.Text;
using ButtonFunctions.Ingest;
using ButtonFunctions.Tests.Fixtures;
using Microsoft.Extensions.Options;
using ButtonFunctions.Clicks;

namespace ButtonFunctions.Tests.Ingest;

[Trait("Category", "Unit")]
public sealed class ClickPayloadParserTests
{
    private static readonly DateTimeOffset Arrival = new(2026, 11, 25, 18, 0, 5, TimeSpan.Zero);

    private static ClickBatch Parse(string json, int maxEvents = 100, string? clientId = null) =>
        Parse(Encoding.UTF8.GetBytes(json), maxEvents, clientId);

    private static ClickBatch Parse(byte[] body, int maxEvents = 100, string? clientId = null) =>
        new ClickPayloadParser(Options.Create(new IngestOptions { MaxEvents = maxEvents })).Parse(body, Arrival, clientId);

    private static ClickEvent Single(string json)
    {
        var batch = Parse(json);
        Assert.Equal(ClickBatchError.None, batch.Error);
        var item = Assert.Single(batch.Items);
        Assert.Null(item.Error);
        return item.Click!;
    }

    private static string ItemError(string json)
    {
        var batch = Parse(json);
        Assert.Equal(ClickBatchError.None, batch.Error);
        var item = Assert.Single(batch.Items);
        Assert.Null(item.Click);
        return item.Error!;
    }

    [Fact]
    public void Classic_iot_button_message_becomes_a_click_with_battery_millivolts()
    {
        var batch = Parse(FixtureFiles.Read("iot-button-classic.json"));

        var item = Assert.Single(batch.Items);
        var click = item.Click!;
        Assert.Equal("G030JF055364XVRB", click.DeviceId);
        Assert.Equal("SINGLE", click.ClickType);
        Assert.Equal(1705, click.BatteryMillivolts);
        Assert.Equal(ClickSources.IotButton, click.Source);
        Assert.Equal(Arrival, click.OccurredAt);
        Assert.Equal(Arrival, click.ReceivedAt);
        Assert.Null(click.TraceId);
        Assert.Null(click.Topic);
    }

    [Fact]
    public void Classic_message_without_any_stable_field_gets_a_fresh_id_and_says_so()
    {
        var first = Assert.Single(Parse(FixtureFiles.Read("iot-button-classic.json")).Items);
        var second = Assert.Single(Parse(FixtureFiles.Read("iot-button-classic.json")).Items);

        Assert.True(first.FreshId);
        Assert.NotEqual(first.Click!.Id, second.Click!.Id);
    }

    [Fact]
    public void Rule_enriched_message_uses_the_trace_id_as_document_id_and_the_rule_time()
    {
        var click = Single(FixtureFiles.ReadText("iot-button-rule-enriched.json"));

        Assert.Equal("5a0b1f0e-7c3d-4a2b-9f10-2d3c4b5a6e7f", click.Id);
        Assert.Equal("5a0b1f0e-7c3d-4a2b-9f10-2d3c4b5a6e7f", click.TraceId);
        Assert.Equal("iotbutton/G030JF055364XVRB", click.Topic);
        Assert.Equal("DOUBLE", click.ClickType);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1764064800123), click.OccurredAt);
        Assert.Equal(Arrival, click.ReceivedAt);
    }

    [Fact]
    public void Iot_one_click_event_keeps_reported_time_remaining_life_and_placement()
    {
        var click = Single(FixtureFiles.ReadText("iot-1click.json"));

        Assert.Equal("G030PM0123456789", click.DeviceId);
        Assert.Equal("LONG", click.ClickType);
        Assert.Equal(ClickSources.IotOneClick, click.Source);
        Assert.Equal(DateTimeOffset.Parse("2018-05-04T23:26:33.747Z", System.Globalization.CultureInfo.InvariantCulture), click.OccurredAt);
        Assert.Equal(5.0, click.RemainingLife);
        Assert.NotNull(click.Placement);
        Assert.Equal("kitchen", click.Placement.ProjectName);
        Assert.Equal("fridge", click.Placement.PlacementName);
        Assert.Equal("home", click.Placement.Attributes["location"]);
        Assert.Equal("G030PM0123456789", click.Placement.Devices["orderMilk"]);
    }

    [Fact]
    public void Iot_one_click_placement_attributes_are_accepted_up_to_the_limits_aws_allows()
    {
        // AWS IoT 1-Click placements: up to 50 attributes, values up to 800 characters, "" = a cleared attribute.
        var attributes = Enumerable.Range(0, 48).Select(i => $"\"a{i}\":\"v{i}\"")
            .Append($"\"note\":\"{new string('n', 800)}\"")
            .Append("\"cleared\":\"\"");
        var map = "{" + string.Join(',', attributes) + "}";
        var click = Single(
            """{"deviceEvent":{"buttonClicked":{"clickType":"SINGLE","reportedTime":"2018-05-04T23:26:33.747Z"}},"deviceInfo":{"deviceId":"G030PM0123456789"},"placementInfo":{"projectName":"kitchen","placementName":"fridge","attributes":"""
            + map + ""","devices":{}}}""");

        Assert.Equal(50, click.Placement!.Attributes.Count);
        Assert.Equal(800, click.Placement.Attributes["note"].Length);
        Assert.Equal(string.Empty, click.Placement.Attributes["cleared"]);
    }

    [Fact]
    public void Iot_one_click_without_placement_is_accepted()
    {
        var click = Single("""{"deviceEvent":{"buttonClicked":{"clickType":"SINGLE","reportedTime":"2018-05-04T23:26:33.747Z"}},"deviceInfo":{"deviceId":"G030PM0123456789"}}""");

        Assert.Null(click.Placement);
        Assert.Null(click.RemainingLife);
    }

    [Fact]
    public void Device_time_gives_a_deterministic_id_that_differs_per_click_type()
    {
        const string template = """{"deviceEvent":{"buttonClicked":{"clickType":"TYPE","reportedTime":"2018-05-04T23:26:33.747Z"}},"deviceInfo":{"deviceId":"G030PM0123456789"}}""";
        var a = Single(template.Replace("TYPE", "SINGLE", StringComparison.Ordinal));
        var b = Single(template.Replace("TYPE", "SINGLE", StringComparison.Ordinal));
        var c = Single(template.Replace("TYPE", "DOUBLE", StringComparison.Ordinal));

        Assert.Equal(a.Id, b.Id);
        Assert.NotEqual(a.Id, c.Id);
        Assert.Matches("^[0-9a-f]{64}$", a.Id);
    }

    [Fact]
    public void Receiving_time_from_the_rule_makes_the_id_deterministic_without_a_trace_id()
    {
        const string json = """{"serialNumber":"G030JF055364XVRB","clickType":"SINGLE","receivedAtMs":1764064800123}""";

        Assert.Equal(Single(json).Id, Single(json).Id);
        Assert.Equal(ClickId.FromContent("G030JF055364XVRB", "SINGLE", 1764064800123), Single(json).Id);
    }

    [Theory]
    [InlineData("""{"deviceEvent":{"buttonClicked":{"clickType":"LONG","reportedTime":"2018-05-04T23:26:33.747Z"}},"deviceInfo":{"deviceId":"G030PM0123456789"}}""")]
    [InlineData("""{"deviceId":"esp32-hall-1","clickType":"single","timestamp":"2026-11-25T18:00:00.250Z"}""")]
    public void Device_time_decides_the_id_so_a_replay_without_the_rules_receiving_time_matches(string original)
    {
        // What the topic rule delivered (with its own receiving time) and what a replay of the error-action
        // record posts (the original payload only) must be the same document.
        var delivered = original[..^1] + ""","receivedAtMs":1764064800123}""";
        var redelivered = original[..^1] + ""","receivedAtMs":1764064999999}""";

        Assert.Equal(Single(original).Id, Single(delivered).Id);
        Assert.Equal(Single(original).Id, Single(redelivered).Id);
    }

    [Fact]
    public void A_device_time_in_whole_seconds_takes_the_rules_receiving_time_into_the_id()
    {
        // Two clicks of one second from a clock without fractions: only the rule's time tells them apart.
        const string first = """{"deviceId":"esp32-coarse-1","clickType":"single","timestamp":"2026-11-25T18:00:00Z","receivedAtMs":1764093600100}""";
        const string second = """{"deviceId":"esp32-coarse-1","clickType":"single","timestamp":"2026-11-25T18:00:00Z","receivedAtMs":1764093600900}""";
        var deviceMs = new DateTimeOffset(2026, 11, 25, 18, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

        Assert.NotEqual(Single(first).Id, Single(second).Id);
        Assert.Equal(ClickId.FromContent("esp32-coarse-1", "SINGLE", deviceMs, 1764093600100), Single(first).Id);
        Assert.Equal(Single(first).Id, Single(first).Id);

        // Still the device's time as the occurrence; without the rule's time the id is the device time's alone.
        Assert.Equal((deviceMs, ClickTimeSource.Device), (Single(first).OccurredAt.ToUnixTimeMilliseconds(), Single(first).TimeSource));
        Assert.Equal(ClickId.FromContent("esp32-coarse-1", "SINGLE", deviceMs), Single(first.Replace(""","receivedAtMs":1764093600100""", "", StringComparison.Ordinal)).Id);

        // Fraction digits, even all zero, say the clock is fine: the rule's time stays out (replays without it match).
        Assert.Equal(
            ClickId.FromContent("esp32-coarse-1", "SINGLE", deviceMs),
            Single(first.Replace("18:00:00Z", "18:00:00.000Z", StringComparison.Ordinal)).Id);
    }

    [Theory]
    [InlineData("""{"serialNumber":"A","clickType":"SINGLE","receivedAtMs":1764093600100}""", ClickTimeSource.Rule)]
    [InlineData("""{"serialNumber":"A","clickType":"SINGLE"}""", ClickTimeSource.Arrival)]
    [InlineData("""{"deviceId":"A","clickType":"SINGLE","timestamp":"2026-11-25T18:00:00.250Z","receivedAtMs":1764093600100}""", ClickTimeSource.Device)]
    public void The_time_source_says_where_the_occurrence_time_came_from(string json, ClickTimeSource source)
    {
        Assert.Equal(source, Single(json).TimeSource);
    }

    [Fact]
    public void Mqtt_button_click_type_is_normalised_to_upper_case()
    {
        var click = Single(FixtureFiles.ReadText("mqtt-button.json"));

        Assert.Equal("esp32-hall-1", click.DeviceId);
        Assert.Equal("SINGLE", click.ClickType);
        Assert.Equal(ClickSources.MqttButton, click.Source);
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 18, 0, 0, 250, TimeSpan.Zero), click.OccurredAt);
        Assert.Equal(ClickId.FromContent("esp32-hall-1", "SINGLE", click.OccurredAt.ToUnixTimeMilliseconds()), click.Id);
    }

    [Fact]
    public void Mqtt_button_field_names_are_case_insensitive()
    {
        var click = Single("""{"DEVICEID":"esp32-1","ClickType":"Long","TimeStamp":"2026-11-25T19:00:00+01:00"}""");

        Assert.Equal("esp32-1", click.DeviceId);
        Assert.Equal("LONG", click.ClickType);
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 18, 0, 0, TimeSpan.Zero), click.OccurredAt);
        Assert.Equal(TimeSpan.Zero, click.OccurredAt.Offset);
    }

    [Fact]
    public void Lower_case_click_types_are_accepted_for_every_shape()
    {
        Assert.Equal("DOUBLE", Single("""{"serialNumber":"G030","clickType":"double"}""").ClickType);
    }

    [Fact]
    public void Http_batch_becomes_one_click_per_element_in_order()
    {
        var batch = Parse(FixtureFiles.Read("http-batch.json"));

        Assert.Equal(ClickBatchError.None, batch.Error);
        Assert.Collection(
            batch.Items,
            a => Assert.Equal(("1c0e7c0a-0001-4f0e-8a1b-000000000001", "G030JF055364XVRB", 1705), (a.Click!.Id, a.Click.DeviceId, a.Click.BatteryMillivolts!.Value)),
            b => Assert.Equal(("1c0e7c0a-0002-4f0e-8a1b-000000000002", "LONG", 1650), (b.Click!.Id, b.Click.ClickType, b.Click.BatteryMillivolts!.Value)));
    }

    [Fact]
    public void Mixed_array_reports_invalid_indices_and_keeps_the_valid_clicks()
    {
        var batch = Parse("""
            [{"serialNumber":"A","clickType":"SINGLE"},
             {"serialNumber":"B","clickType":"TRIPLE"},
             42,
             {"deviceId":"C","clickType":"long"}]
            """);

        Assert.Equal(ClickBatchError.None, batch.Error);
        Assert.Equal([0, 3], batch.Items.Where(i => i.Click is not null).Select(i => i.Index));
        Assert.Equal([1, 2], batch.Items.Where(i => i.Click is null).Select(i => i.Index));
        Assert.Contains("must be SINGLE, DOUBLE or LONG", batch.Items[1].Error, StringComparison.Ordinal);
        Assert.Contains("must be a JSON object, not a number", batch.Items[2].Error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_authenticated_client_is_recorded_on_every_click()
    {
        var batch = Parse(FixtureFiles.Read("http-batch.json"), clientId: "Zk2h7TqN1vB8cX4mR6pL");

        Assert.All(batch.Items, i => Assert.Equal("Zk2h7TqN1vB8cX4mR6pL", i.Click!.ClientId));
    }

    [Theory]
    [InlineData("""{"clickType":"SINGLE"}""", "unrecognised payload")]
    [InlineData("""{"serialNumber":"A","deviceId":"B","clickType":"SINGLE"}""", "ambiguous payload")]
    [InlineData("""{"serialNumber":"A"}""", "'clickType' is required")]
    [InlineData("""{"serialNumber":"A","clickType":null}""", "'clickType' is required")]
    [InlineData("""{"serialNumber":"A","clickType":1}""", "'clickType' must be a string, not a number")]
    [InlineData("""{"serialNumber":"A","clickType":"TRIPLE"}""", "'clickType' must be SINGLE, DOUBLE or LONG")]
    [InlineData("""{"serialNumber":"A","clickType":""}""", "'clickType' is empty")]
    [InlineData("""{"serialNumber":"","clickType":"SINGLE"}""", "'serialNumber' is empty")]
    [InlineData("""{"serialNumber":"   ","clickType":"SINGLE"}""", "'serialNumber' is empty")]
    [InlineData("""{"serialNumber":" A","clickType":"SINGLE"}""", "leading or trailing whitespace")]
    [InlineData("""{"serialNumber":"A\nB","clickType":"SINGLE"}""", "control characters")]
    [InlineData("""{"serialNumber":42,"clickType":"SINGLE"}""", "'serialNumber' must be a string, not a number")]
    [InlineData("""{"serialNumber":["A"],"clickType":"SINGLE"}""", "'serialNumber' must be a string, not an array")]
    [InlineData("""{"serialNumber":"A","clickType":"SINGLE","batteryVoltage":1705}""", "'batteryVoltage' must be a string")]
    [InlineData("""{"serialNumber":"A","clickType":"SINGLE","batteryVoltage":"1705"}""", "must look like \"1705mV\"")]
    [InlineData("""{"serialNumber":"A","clickType":"SINGLE","batteryVoltage":"-5mV"}""", "must look like \"1705mV\"")]
    [InlineData("""{"serialNumber":"A","clickType":"SINGLE","batteryVoltage":"99999mV"}""", "is above 10000mV")]
    [InlineData("""{"serialNumber":"A","clickType":"SINGLE","traceId":7}""", "'traceId' must be a string")]
    [InlineData("""{"serialNumber":"A","clickType":"SINGLE","topic":{}}""", "'topic' must be a string, not an object")]
    [InlineData("""{"serialNumber":"A","clickType":"SINGLE","receivedAtMs":"1764064800123"}""", "'receivedAtMs' must be an integer")]
    [InlineData("""{"serialNumber":"A","clickType":"SINGLE","receivedAtMs":1764064800123.5}""", "'receivedAtMs' must be an integer")]
    [InlineData("""{"serialNumber":"A","clickType":"SINGLE","receivedAtMs":-1}""", "'receivedAtMs' is out of range")]
    [InlineData("""{"serialNumber":"A","clickType":"SINGLE","receivedAtMs":99999999999999999}""", "'receivedAtMs' is out of range")]
    [InlineData("""{"serialNumber":"A","clickType":"SINGLE","ClickType":"DOUBLE"}""", "'clickType' appears more than once")]
    [InlineData("""{"deviceEvent":{"buttonClicked":{"clickType":"SINGLE"}}}""", "'deviceInfo' is required")]
    [InlineData("""{"deviceEvent":{},"deviceInfo":{"deviceId":"G"}}""", "'deviceEvent.buttonClicked' is required")]
    [InlineData("""{"deviceEvent":"click","deviceInfo":{"deviceId":"G"}}""", "'deviceEvent' must be an object, not a string")]
    [InlineData("""{"deviceEvent":{"buttonClicked":{"clickType":"SINGLE"}},"deviceInfo":{}}""", "'deviceInfo.deviceId' is required")]
    [InlineData("""{"deviceEvent":{"buttonClicked":{"clickType":"SINGLE"}},"deviceInfo":{"deviceId":"G","remainingLife":"5"}}""", "'deviceInfo.remainingLife' must be a number")]
    [InlineData("""{"deviceEvent":{"buttonClicked":{"clickType":"SINGLE"}},"deviceInfo":{"deviceId":"G","remainingLife":250}}""", "'deviceInfo.remainingLife' must be between 0 and 100")]
    [InlineData("""{"deviceEvent":{"buttonClicked":{"clickType":"SINGLE"}},"deviceInfo":{"deviceId":"G"},"placementInfo":[]}""", "'placementInfo' must be an object")]
    [InlineData("""{"deviceEvent":{"buttonClicked":{"clickType":"SINGLE"}},"deviceInfo":{"deviceId":"G"},"placementInfo":{"attributes":{"a":1}}}""", "'placementInfo.attributes.a' must be a string")]
    [InlineData("""{"deviceEvent":{"buttonClicked":{"clickType":"SINGLE"}},"deviceInfo":{"deviceId":"G"},"placementInfo":{"attributes":{"$where":"x"}}}""", "unusable key")]
    [InlineData("""{"deviceEvent":{"buttonClicked":{"clickType":"SINGLE"}},"deviceInfo":{"deviceId":"G"},"placementInfo":{"devices":{"a.b":"x"}}}""", "unusable key")]
    [InlineData("""{"deviceId":"C","clickType":"single","timestamp":1764064800}""", "'timestamp' must be a string")]
    public void Invalid_items_are_refused_with_a_reason_naming_the_field(string json, string expectedReason)
    {
        Assert.Contains(expectedReason, ItemError(json), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2018-05-04 23:26:33Z")]
    [InlineData("2018-05-04T23:26:33")]
    [InlineData("2018-05-04")]
    [InlineData("2018-02-30T00:00:00Z")]
    [InlineData("2018-05-04T25:00:00Z")]
    [InlineData("May 4, 2018")]
    [InlineData("1525476393747")]
    [InlineData("2018-05-04T23:26:33.1234567890Z")]
    public void Dates_that_are_not_iso_8601_with_a_zone_are_refused(string timestamp)
    {
        Assert.Contains("'timestamp' must be an ISO-8601 date-time", ItemError($$"""{"deviceId":"C","clickType":"single","timestamp":"{{timestamp}}"}"""), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2026-11-25T19:00:00+0100", "2026-11-25T18:00:00.0000000Z")]
    [InlineData("2026-11-25T12:30:00-0530", "2026-11-25T18:00:00.0000000Z")]
    [InlineData("2026-11-25T18:00:00.123456789Z", "2026-11-25T18:00:00.1234567Z")]
    [InlineData("2026-11-25T18:00:00.12345678+00:00", "2026-11-25T18:00:00.1234567Z")]
    public void Mqtt_timestamps_as_strftime_z_and_nanosecond_clocks_write_them_are_accepted(string timestamp, string expected)
    {
        // ESP-IDF/newlib strftime("%FT%T%z") writes the offset as +hhmm; Go's RFC3339Nano and Rust's chrono write 9 digits.
        var click = Single($$"""{"deviceId":"C","clickType":"single","timestamp":"{{timestamp}}"}""");

        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), click.OccurredAt);
        Assert.Equal(TimeSpan.Zero, click.OccurredAt.Offset);
    }

    [Theory]
    [InlineData("1970-01-01T00:00:00Z")]
    [InlineData("1999-12-31T23:59:59Z")]
    [InlineData("2026-11-27T18:00:00Z")]
    public void Dates_before_2000_or_more_than_a_day_after_arrival_are_out_of_range(string timestamp)
    {
        Assert.Contains("'deviceEvent.buttonClicked.reportedTime' is out of range",
            ItemError($$$"""{"deviceEvent":{"buttonClicked":{"clickType":"SINGLE","reportedTime":"{{{timestamp}}}"}},"deviceInfo":{"deviceId":"G"}}"""),
            StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("serialNumber", 129)]
    [InlineData("traceId", 129)]
    [InlineData("topic", 257)]
    public void Overlong_strings_are_refused(string field, int length)
    {
        var value = new string('x', length);
        var json = field == "serialNumber"
            ? $$"""{"serialNumber":"{{value}}","clickType":"SINGLE"}"""
            : $$"""{"serialNumber":"A","clickType":"SINGLE","{{field}}":"{{value}}"}""";

        Assert.Contains($"'{field}' is longer than {length - 1} characters", ItemError(json), StringComparison.Ordinal);
    }

    [Fact]
    public void A_huge_string_in_an_ignored_field_does_not_matter_but_in_a_read_field_is_refused()
    {
        var huge = new string('y', 100_000);

        Assert.Equal("A", Single($$"""{"serialNumber":"A","clickType":"SINGLE","note":"{{huge}}"}""").DeviceId);
        Assert.Contains("longer than", ItemError($$"""{"deviceId":"{{huge}}","clickType":"SINGLE"}"""), StringComparison.Ordinal);
    }

    [Fact]
    public void Explicit_nulls_in_optional_fields_are_treated_as_absent()
    {
        var click = Single("""{"serialNumber":"A","clickType":"SINGLE","batteryVoltage":null,"topic":null,"traceId":null,"receivedAtMs":null}""");

        Assert.Null(click.BatteryMillivolts);
        Assert.Null(click.Topic);
        Assert.Null(click.TraceId);
    }

    [Fact]
    public void Unknown_fields_are_ignored()
    {
        Assert.Equal("A", Single("""{"serialNumber":"A","clickType":"SINGLE","clientid":"thing","extra":{"deep":[1,2,3]}}""").DeviceId);
    }

    [Theory]
    [InlineData("", nameof(ClickBatchError.EmptyBody))]
    [InlineData("  \r\n\t ", nameof(ClickBatchError.EmptyBody))]
    [InlineData("null", nameof(ClickBatchError.UnsupportedRoot))]
    [InlineData("42", nameof(ClickBatchError.UnsupportedRoot))]
    [InlineData("\"SINGLE\"", nameof(ClickBatchError.UnsupportedRoot))]
    [InlineData("true", nameof(ClickBatchError.UnsupportedRoot))]
    [InlineData("[]", nameof(ClickBatchError.EmptyArray))]
    [InlineData("{", nameof(ClickBatchError.InvalidJson))]
    [InlineData("{\"serialNumber\":\"A\",}", nameof(ClickBatchError.InvalidJson))]
    [InlineData("{\"serialNumber\":\"A\"} {}", nameof(ClickBatchError.InvalidJson))]
    [InlineData("/* comment */ {}", nameof(ClickBatchError.InvalidJson))]
    [InlineData("serialNumber=A", nameof(ClickBatchError.InvalidJson))]
    public void Bodies_that_are_not_an_object_or_a_non_empty_array_are_refused_as_a_whole(string body, string expected)
    {
        var batch = Parse(body);

        Assert.Equal(expected, batch.Error.ToString());
        Assert.Empty(batch.Items);
        Assert.False(string.IsNullOrEmpty(batch.ErrorDetail));
    }

    [Fact]
    public void Deeply_nested_json_is_refused_before_it_is_walked()
    {
        var nested = new string('[', 1_000) + new string(']', 1_000);

        var batch = Parse(nested);

        Assert.Equal(ClickBatchError.InvalidJson, batch.Error);
        Assert.Contains("depth", batch.ErrorDetail, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Nesting_inside_an_ignored_field_counts_towards_the_depth_limit_too()
    {
        var deep = new string('[', 20) + new string(']', 20);

        Assert.Equal(ClickBatchError.InvalidJson, Parse($$"""{"serialNumber":"A","clickType":"SINGLE","x":{{deep}}}""").Error);
    }

    [Fact]
    public void Invalid_utf8_is_refused_as_invalid_json()
    {
        byte[] body = [.. "{\"serialNumber\":\""u8, 0xC3, 0x28, .. "\",\"clickType\":\"SINGLE\"}"u8];

        Assert.Equal(ClickBatchError.InvalidJson, Parse(body).Error);
    }

    [Theory]
    [InlineData("""{"serialNumber":"\ud800","clickType":"SINGLE"}""")]
    [InlineData("""[{"serialNumber":"A","clickType":"SINGLE","traceId":"t\udc00"}]""")]
    [InlineData("""[{"serialNumber":"A","clickType":"SINGLE","\ud800ignored":1}]""")]
    [InlineData("""{"deviceId":"A","clickType":"single","note":"\ud800\ud800"}""")]
    public void Escaped_lone_surrogates_are_refused_as_invalid_json_not_thrown(string json)
    {
        // \uD800 alone is well-formed JSON but not text: reading it as a string throws, which was a 500.
        var batch = Parse(json);

        Assert.Equal(ClickBatchError.InvalidJson, batch.Error);
        Assert.Contains("surrogate", batch.ErrorDetail, StringComparison.Ordinal);
    }

    [Fact]
    public void An_escaped_surrogate_pair_is_accepted()
    {
        var click = Single("""{"deviceId":"A\ud83d\ude00","clickType":"single"}""");

        Assert.Equal("A\U0001F600", click.DeviceId);
    }

    [Fact]
    public void A_utf8_byte_order_mark_is_accepted()
    {
        byte[] body = [0xEF, 0xBB, 0xBF, .. FixtureFiles.Read("mqtt-button.json")];

        Assert.Equal(ClickBatchError.None, Parse(body).Error);
    }

    [Fact]
    public void More_clicks_than_the_configured_maximum_are_refused_as_a_whole()
    {
        var array = "[" + string.Join(',', Enumerable.Repeat("""{"serialNumber":"A","clickType":"SINGLE"}""", 11)) + "]";

        Assert.Equal(ClickBatchError.TooManyClicks, Parse(array, maxEvents: 10).Error);
        Assert.Equal(11, Parse(array, maxEvents: 11).Items.Count);
    }

    [Fact]
    public void Array_elements_that_are_null_or_arrays_are_invalid_items()
    {
        var batch = Parse("""[null, [], {"serialNumber":"A","clickType":"SINGLE"}]""");

        Assert.Equal("must be a JSON object, not null", batch.Items[0].Error);
        Assert.Equal("must be a JSON object, not an array", batch.Items[1].Error);
        Assert.NotNull(batch.Items[2].Click);
    }
}
