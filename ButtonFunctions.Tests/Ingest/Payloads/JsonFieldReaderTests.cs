using System.Text.Json;
using ButtonFunctions.Ingest.Payloads;

namespace ButtonFunctions.Tests.Ingest.Payloads;

[Trait("Category", "Unit")]
public sealed class JsonFieldReaderTests
{
    private static readonly DateTimeOffset Arrival = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);

    private static JsonFieldReader Reader(string json) => new(JsonDocument.Parse(json).RootElement.Clone(), Arrival);

    [Fact]
    public void Names_match_in_any_case()
    {
        var fields = Reader("""{"ClickType":"single","DEVICEID":"d-1"}""");

        Assert.Equal("SINGLE", fields.ClickType("clickType"));
        Assert.Equal("d-1", fields.DeviceId("deviceId"));
        Assert.Null(fields.FirstError);
    }

    [Fact]
    public void A_name_present_twice_in_different_cases_is_ambiguous()
    {
        var fields = Reader("""{"clickType":"SINGLE","clicktype":"LONG"}""");

        Assert.Null(fields.ClickType("clickType"));
        Assert.Equal("'clickType' appears more than once", fields.FirstError);
    }

    [Fact]
    public void An_explicit_null_is_absent()
    {
        var fields = Reader("""{"topic":null}""");

        Assert.False(fields.Has("topic"));
        Assert.Null(fields.String("topic", required: false, 10));
        Assert.Null(fields.FirstError);
    }

    [Theory]
    [InlineData("""{"s":5}""", "'s' must be a string, not a number")]
    [InlineData("""{"s":""}""", "'s' is empty")]
    [InlineData("""{"s":"   "}""", "'s' is empty")]
    [InlineData("""{"s":"abcdefghijk"}""", "'s' is longer than 10 characters")]
    [InlineData("""{"s":"a\u0007b"}""", "'s' contains control characters")]
    [InlineData("""{"s":"a\u007fb"}""", "'s' contains control characters")]
    [InlineData("""{}""", "'s' is required")]
    public void Strings_are_bounded_typed_and_visible(string json, string error)
    {
        var fields = Reader(json);

        Assert.Null(fields.String("s", required: true, 10));
        Assert.Equal(error, fields.FirstError);
    }

    [Fact]
    public void Every_unicode_control_character_is_refused_and_nothing_else_is()
    {
        // Category Cc is exactly U+0000–U+001F and U+007F–U+009F; its neighbours (space, ~, NBSP) are ordinary text.
        var controls = Enumerable.Range(0, 0xA0).Select(c => (char)c).Where(c => c < 0x20 || c >= 0x7F).ToList();
        Assert.Equal(controls, Enumerable.Range(0, 0x10000).Select(c => (char)c).Where(c => char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.Control));

        foreach (var c in controls)
        {
            var fields = Reader(System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string> { ["s"] = $"a{c}b" }));
            Assert.Null(fields.String("s", required: true, 10));
            Assert.Equal("'s' contains control characters", fields.FirstError);
        }

        foreach (var c in new[] { ' ', '~', '\u00a0', '\u00ff', '\u200b' })
        {
            var fields = Reader(System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string> { ["s"] = $"a{c}b" }));
            Assert.Equal($"a{c}b", fields.String("s", required: true, 10));
        }
    }

    [Theory]
    [InlineData("""{"m":{"k":"v\u0085"}}""")]
    [InlineData("""{"m":{"k\u009b":"v"}}""")]
    public void String_maps_refuse_c1_controls_in_keys_and_values(string json)
    {
        var fields = Reader(json);

        Assert.Null(fields.StringMap("m"));
        Assert.NotNull(fields.FirstError);
    }

    [Fact]
    public void Nested_objects_name_the_full_path_and_share_the_first_error()
    {
        var fields = Reader("""{"deviceEvent":{"buttonClicked":{"clickType":"TRIPLE"}},"deviceInfo":5}""");

        var clickType = fields.Object("deviceEvent", required: true)?.Object("buttonClicked", required: true)?.ClickType("clickType");
        var deviceInfo = fields.Object("deviceInfo", required: true);

        Assert.Null(clickType);
        Assert.Null(deviceInfo);
        Assert.Equal("'deviceEvent.buttonClicked.clickType' must be SINGLE, DOUBLE or LONG", fields.FirstError);
    }

    [Fact]
    public void A_device_id_may_not_carry_surrounding_whitespace()
    {
        var fields = Reader("""{"id":" d-1"}""");

        Assert.Null(fields.DeviceId("id"));
        Assert.Equal("'id' has leading or trailing whitespace", fields.FirstError);
    }

    [Theory]
    [InlineData("1705mV", 1705)]
    [InlineData("0MV", 0)]
    [InlineData("10000mV", 10_000)]
    public void Millivolts_read_the_classic_buttons_form(string text, int expected)
    {
        Assert.Equal(expected, Reader($$"""{"v":"{{text}}"}""").Millivolts("v"));
    }

    [Theory]
    [InlineData("1705", "'v' must look like \"1705mV\"")]
    [InlineData("1.7V", "'v' must look like \"1705mV\"")]
    [InlineData("10001mV", "'v' is above 10000mV")]
    public void Millivolts_refuse_other_forms(string text, string error)
    {
        var fields = Reader($$"""{"v":"{{text}}"}""");

        Assert.Null(fields.Millivolts("v"));
        Assert.Equal(error, fields.FirstError);
    }

    [Theory]
    [InlineData("2026-12-01T09:59:59Z", "2026-12-01T09:59:59.0000000+00:00")]
    [InlineData("2026-12-01T10:59:59.123+01:00", "2026-12-01T09:59:59.1230000+00:00")]
    [InlineData("2026-12-01T10:59:59+0100", "2026-12-01T09:59:59.0000000+00:00")]
    [InlineData("2026-12-01T09:59:59.123456789Z", "2026-12-01T09:59:59.1234567+00:00")]
    public void Timestamps_accept_iso_8601_with_a_zone_and_come_back_in_utc(string text, string expected)
    {
        var time = Reader($$"""{"t":"{{text}}"}""").Timestamp("t");

        Assert.Equal(expected, time?.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("2026-12-01T09:59:59", "'t' must be an ISO-8601 date-time with a zone, like 2018-05-04T23:26:33.747Z")]
    [InlineData("2026-12-01 09:59:59Z", "'t' must be an ISO-8601 date-time with a zone, like 2018-05-04T23:26:33.747Z")]
    [InlineData("2026-02-30T09:59:59Z", "'t' must be an ISO-8601 date-time with a zone, like 2018-05-04T23:26:33.747Z")]
    [InlineData("1999-12-31T23:59:59Z", "'t' is out of range (from 2000-01-01 to one day after arrival)")]
    [InlineData("2026-12-02T10:00:01Z", "'t' is out of range (from 2000-01-01 to one day after arrival)")]
    public void Timestamps_refuse_zoneless_impossible_and_implausible_times(string text, string error)
    {
        var fields = Reader($$"""{"t":"{{text}}"}""");

        Assert.Null(fields.Timestamp("t"));
        Assert.Equal(error, fields.FirstError);
    }

    [Theory]
    [InlineData("1764583200000", 1_764_583_200_000L, null)]
    [InlineData("1.5", null, "'ms' must be an integer number of milliseconds since 1970-01-01T00:00:00Z")]
    [InlineData("\"1764583200000\"", null, "'ms' must be an integer number of milliseconds since 1970-01-01T00:00:00Z")]
    [InlineData("0", null, "'ms' is out of range (from 2000-01-01 to one day after arrival)")]
    public void Unix_milliseconds_are_whole_and_plausible(string json, long? expected, string? error)
    {
        var fields = Reader($$"""{"ms":{{json}}}""");

        Assert.Equal(expected, fields.UnixMilliseconds("ms"));
        Assert.Equal(error, fields.FirstError);
    }

    [Fact]
    public void Numbers_are_range_checked()
    {
        var ok = Reader("""{"n":5.5}""");
        var high = Reader("""{"n":101}""");

        Assert.Equal(5.5, ok.Number("n", 0, 100));
        Assert.Null(high.Number("n", 0, 100));
        Assert.Equal("'n' must be between 0 and 100", high.FirstError);
    }

    [Fact]
    public void String_maps_keep_usable_keys_and_bounded_values()
    {
        var fields = Reader("""{"m":{"location":"home","empty":""}}""");

        Assert.Equal(new Dictionary<string, string> { ["location"] = "home", ["empty"] = "" }, fields.StringMap("m"));
        Assert.Null(fields.FirstError);
    }

    [Theory]
    [InlineData("""{"m":{"$where":"x"}}""")]
    [InlineData("""{"m":{"a.b":"x"}}""")]
    [InlineData("""{"m":{"":"x"}}""")]
    [InlineData("""{"m":{"a\u0001":"x"}}""")]
    public void String_maps_refuse_keys_that_cannot_be_bson_field_names(string json)
    {
        var fields = Reader(json);

        Assert.Null(fields.StringMap("m"));
        Assert.StartsWith("'m' has an empty, overlong or unusable key", fields.FirstError, StringComparison.Ordinal);
    }

    [Fact]
    public void String_maps_are_limited_in_entries()
    {
        var entries = string.Join(",", Enumerable.Range(0, PayloadLimits.MaxMapEntries + 1).Select(i => $"\"k{i}\":\"v\""));
        var fields = Reader("{\"m\":{" + entries + "}}");

        Assert.Null(fields.StringMap("m"));
        Assert.Equal($"'m' has more than {PayloadLimits.MaxMapEntries} entries", fields.FirstError);
    }

    [Fact]
    public void Only_the_first_problem_is_kept()
    {
        var fields = Reader("""{"a":1,"b":2}""");

        fields.String("a", required: true, 5);
        fields.String("b", required: true, 5);

        Assert.Equal("'a' must be a string, not a number", fields.FirstError);
    }
}
