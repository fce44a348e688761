using ButtonFunctions.Clicks;
using ButtonFunctions.Read;

namespace ButtonFunctions.Tests.Read;

public sealed class ClickListQueryTests
{
    private static ClickListRequest Parse(string query)
    {
        var request = ClickListQuery.Parse(query, out var error);
        Assert.Null(error);
        return request!;
    }

    private static QueryError Refused(string query)
    {
        var request = ClickListQuery.Parse(query, out var error);
        Assert.Null(request);
        return error!;
    }

    [Fact]
    public void No_parameters_mean_every_click_newest_first_fifty_at_a_time()
    {
        var request = Parse("");

        Assert.Equal(ClickFilter.None, request.Filter);
        Assert.Null(request.After);
        Assert.Equal(50, request.Limit);
        Assert.Equal(50, Parse("?").Limit);
    }

    [Fact]
    public void Every_parameter_is_read_and_click_type_and_zones_are_normalised()
    {
        var request = Parse("?deviceId=G030%20JF%2B1&clickType=double&from=2026-12-01T11:00:00%2B01:00&to=2026-12-01T12:30:00.250Z&limit=500");

        Assert.Equal("G030 JF+1", request.Filter.DeviceId);
        Assert.Equal("DOUBLE", request.Filter.ClickType);
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero), request.Filter.From);
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 12, 30, 0, 250, TimeSpan.Zero), request.Filter.To);
        Assert.Equal(500, request.Limit);
    }

    [Fact]
    public void A_plus_sent_unencoded_in_an_offset_still_reads_as_plus()
    {
        // '+' in a query string means a space; a pasted "...+01:00" arrives as "... 01:00".
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero), Parse("from=2026-12-01T11:00:00+01:00").Filter.From);
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero), Parse("from=2026-12-01T11:00:00-01:00").Filter.From);
    }

    [Theory]
    [InlineData("deviceId=", "deviceId")]
    [InlineData("deviceId", "deviceId")]
    [InlineData("deviceId=a%0Ab", "deviceId")]
    [InlineData("deviceId=a%00b", "deviceId")]
    [InlineData("clickType=TRIPLE", "clickType")]
    [InlineData("clickType=", "clickType")]
    [InlineData("from=yesterday", "from")]
    [InlineData("from=2026-12-01", "from")]
    [InlineData("from=2026-12-01T10:00:00", "from")]
    [InlineData("from=2026-13-01T10:00:00Z", "from")]
    [InlineData("from=2026-12-01T10:00:00.12345678Z", "from")]
    [InlineData("from=1969-12-31T23:59:59Z", "from")]
    [InlineData("to=2026-12-01T10:00:00%2B25:00", "to")]
    [InlineData("to=%D9%A2026-12-01T10:00:00Z", "to")]
    [InlineData("from=2026-12-01T10:00:00Z&to=2026-12-01T10:00:00Z", "from")]
    [InlineData("from=2026-12-02T10:00:00Z&to=2026-12-01T10:00:00Z", "from")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=501", "limit")]
    [InlineData("limit=-1", "limit")]
    [InlineData("limit=%2B5", "limit")]
    [InlineData("limit=1.5", "limit")]
    [InlineData("limit= 5", "limit")]
    [InlineData("limit=99999999999999999999", "limit")]
    [InlineData("limit=", "limit")]
    [InlineData("cursor=", "cursor")]
    [InlineData("cursor=not-a-cursor", "cursor")]
    [InlineData("cursor=AAAA", "cursor")]
    [InlineData("cursor=%2F%2F%2F%2F", "cursor")]
    [InlineData("deviceid=a", "deviceid")]
    [InlineData("page=2", "page")]
    [InlineData("limit=5&limit=5", "limit")]
    [InlineData("deviceId=a&deviceId=b", "deviceId")]
    [InlineData("=x", "")]
    public void A_bad_parameter_is_refused_by_name(string query, string parameter)
    {
        var error = Refused(query);

        Assert.Equal(parameter, error.Parameter);
        Assert.False(string.IsNullOrWhiteSpace(error.Detail));
    }

    [Fact]
    public void A_device_id_of_128_characters_is_accepted_and_129_are_not()
    {
        Assert.Equal(128, Parse("deviceId=" + new string('d', 128)).Filter.DeviceId!.Length);
        Assert.Equal("deviceId", Refused("deviceId=" + new string('d', 129)).Parameter);
    }

    [Fact]
    public void A_cursor_continues_after_its_position_with_the_same_filters_only()
    {
        var filter = new ClickFilter("dev-1", "SINGLE", new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero), null);
        var position = new ClickPosition(new DateTimeOffset(2026, 12, 1, 10, 0, 0, 250, TimeSpan.Zero), "5a0b1f0e-✓");
        var cursor = ClickCursor.Encode(filter, position);

        var request = Parse($"deviceId=dev-1&clickType=single&from=2026-12-01T01:00:00%2B01:00&cursor={cursor}&limit=10");

        Assert.Equal(position, request.After);
        Assert.Equal("cursor", Refused($"deviceId=dev-2&clickType=SINGLE&from=2026-12-01T00:00:00Z&cursor={cursor}").Parameter);
        Assert.Equal("cursor", Refused($"deviceId=dev-1&from=2026-12-01T00:00:00Z&cursor={cursor}").Parameter);
        Assert.Equal("cursor", Refused($"deviceId=dev-1&clickType=SINGLE&cursor={cursor}").Parameter);
        Assert.Equal("cursor", Refused($"deviceId=dev-1&clickType=SINGLE&from=2026-12-01T00:00:00Z&to=2026-12-02T00:00:00Z&cursor={cursor}").Parameter);
    }

    [Fact]
    public void A_cursor_is_url_safe_and_a_damaged_one_is_refused()
    {
        var cursor = ClickCursor.Encode(ClickFilter.None, new ClickPosition(DateTimeOffset.UnixEpoch.AddYears(56), new string('x', 128)));

        Assert.Matches("^[A-Za-z0-9_-]+$", cursor);
        Assert.Equal("cursor", Refused("cursor=" + cursor[..10]).Parameter);
        Assert.StartsWith("A", cursor, StringComparison.Ordinal);
        Assert.Equal("cursor", Refused("cursor=B" + cursor[1..]).Parameter); // another version byte
        Assert.Equal("cursor", Refused("cursor=" + cursor + "%20").Parameter);
    }
}
