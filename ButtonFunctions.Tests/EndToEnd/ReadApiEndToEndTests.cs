using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ButtonFunctions.Tests.Auth;

namespace ButtonFunctions.Tests.EndToEnd;

/// <summary>The app with battery thresholds set through app settings, so the summary shows they arrive.</summary>
public sealed class ReadApiAppFixture : AppFixture
{
    public const int LowMillivolts = 1460;
    public const double LowRemainingLife = 6;

    /// <summary>An HTTP client carrying a token with only <c>read:clicks</c> (what a dashboard gets).</summary>
    public HttpClient Reader { get; private set; } = null!;

    protected override void Configure(IDictionary<string, string?> settings)
    {
        settings["Battery__LowMillivolts"] = LowMillivolts.ToString(CultureInfo.InvariantCulture);
        settings["Battery__LowRemainingLife"] = LowRemainingLife.ToString(CultureInfo.InvariantCulture);
    }

    public async Task StartReaderAsync()
    {
        if (Reader is null)
        {
            var reader = new HttpClient { BaseAddress = Host.BaseAddress };
            reader.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await IssueTokenAsync(ReaderClientId));
            Reader = reader;
        }
    }
}

/// <summary>
/// <c>GET /api/clicks</c> and <c>GET /api/clicks/summary</c> through LocalHost, on clicks stored through
/// <c>POST /api/clicks</c> in the payload shapes AWS delivers. Each test uses its own devices and dates.
/// </summary>
public sealed class ReadApiEndToEndTests(ReadApiAppFixture app) : IClassFixture<ReadApiAppFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => app.StartReaderAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private static string Unique(string prefix) => prefix + Guid.NewGuid().ToString("N")[..10];

    private static long Ms(string iso) => DateTimeOffset.Parse(iso, CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();

    /// <summary>A classic button click whose time is the rule's receivedAtMs.</summary>
    private static string Classic(string device, string type, string at, int millivolts) =>
        $$"""{"serialNumber":"{{device}}","batteryVoltage":"{{millivolts}}mV","clickType":"{{type}}","topic":"iotbutton/{{device}}","receivedAtMs":{{Ms(at)}},"traceId":"{{Guid.NewGuid()}}"}""";

    private static string OneClick(string device, string type, string at, double remainingLife) =>
        $$$$"""{"deviceEvent":{"buttonClicked":{"clickType":"{{{{type}}}}","reportedTime":"{{{{at}}}}"}},"deviceInfo":{"type":"button","deviceId":"{{{{device}}}}","remainingLife":{{{{remainingLife.ToString(CultureInfo.InvariantCulture)}}}},"attributes":{}},"placementInfo":{"projectName":"kitchen","placementName":"fridge","attributes":{"location":"home"},"devices":{"orderMilk":"{{{{device}}}}"}}}""";

    private static string Mqtt(string device, string type, string at) =>
        $$"""{"deviceId":"{{device}}","clickType":"{{type.ToLowerInvariant()}}","timestamp":"{{at}}"}""";

    private async Task PostAsync(params string[] clicks)
    {
        using var response = await app.Client.PostAsync(new Uri("api/clicks", UriKind.Relative),
            new StringContent("[" + string.Join(',', clicks) + "]", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    private async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await app.Reader.GetAsync(new Uri(path, UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.CacheControl?.NoStore, "Cache-Control: no-store");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static List<string> DeviceIds(JsonElement page) =>
        [.. page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("deviceId").GetString()!)];

    [Theory]
    [InlineData("api/clicks")]
    [InlineData("api/clicks/summary")]
    public async Task Reading_needs_a_token_with_the_read_scope(string path)
    {
        var writeOnly = await app.IssueTokenAsync(AppFixture.WriteOnlyClientId);

        using var anonymous = await app.AnonymousClient.GetAsync(new Uri(path, UriKind.Relative));
        using var forbidden = await app.AnonymousClient.SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative))
        {
            Headers = { Authorization = new AuthenticationHeaderValue("Bearer", writeOnly) },
        });
        using var allowed = await app.Reader.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        AccessGateTests.AssertChallenge(anonymous.Headers.WwwAuthenticate.ToString(), null, null);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        AccessGateTests.AssertChallenge(forbidden.Headers.WwwAuthenticate.ToString(), "insufficient_scope", "read:clicks");
        Assert.Equal("application/problem+json", forbidden.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
    }

    [Theory]
    [InlineData("api/clicks?limit=0", "limit")]
    [InlineData("api/clicks?limit=501", "limit")]
    [InlineData("api/clicks?clickType=TRIPLE", "clickType")]
    [InlineData("api/clicks?deviceId=", "deviceId")]
    [InlineData("api/clicks?from=2026-12-01T10:00:00", "from")]
    [InlineData("api/clicks?to=tomorrow", "to")]
    [InlineData("api/clicks?from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z", "from")]
    [InlineData("api/clicks?cursor=garbage", "cursor")]
    [InlineData("api/clicks?sort=asc", "sort")]
    [InlineData("api/clicks?limit=5&limit=6", "limit")]
    [InlineData("api/clicks/summary?from=2020-01-01T00:00:00Z", "from")]
    [InlineData("api/clicks/summary?to=soon", "to")]
    [InlineData("api/clicks/summary?deviceId=a", "deviceId")]
    [InlineData("api/clicks/summary?to=2026-12-01T00:00:00Z&to=2026-12-02T00:00:00Z", "to")]
    public async Task A_bad_parameter_is_a_400_problem_naming_it(string path, string parameter)
    {
        using var response = await app.Reader.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.CacheControl?.NoStore, "Cache-Control: no-store");
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("urn:buttonfunctions:problem:invalid-query", problem.GetProperty("type").GetString());
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
        Assert.Equal(parameter, problem.GetProperty("parameter").GetString());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
    }

    [Fact]
    public async Task Listed_clicks_have_the_contract_shape_and_page_with_the_cursor()
    {
        var classic = Unique("E2EC");
        var oneClick = Unique("E2E1");
        await PostAsync(
            Classic(classic, "SINGLE", "2021-01-10T08:00:00.250Z", 1705),
            OneClick(oneClick, "LONG", "2021-01-10T08:00:01.500Z", 5.0),
            Classic(classic, "DOUBLE", "2021-01-10T08:00:02Z", 1700));

        var page = await GetJsonAsync($"api/clicks?from=2021-01-10T08:00:00Z&to=2021-01-10T08:01:00Z&limit=2");

        var items = page.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal([classic, oneClick], DeviceIds(page));
        var plain = items[0];
        Assert.Equal("DOUBLE", plain.GetProperty("clickType").GetString());
        Assert.Equal("2021-01-10T08:00:02.000Z", plain.GetProperty("occurredAt").GetString());
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$", plain.GetProperty("receivedAt").GetString());
        Assert.Equal(1700, plain.GetProperty("batteryMillivolts").GetInt32());
        Assert.Equal("iot-button", plain.GetProperty("source").GetString());
        Assert.Equal("iotbutton/" + classic, plain.GetProperty("topic").GetString());
        Assert.Equal(plain.GetProperty("id").GetString(), plain.GetProperty("traceId").GetString());
        Assert.Equal(AppFixture.WriterClientId, plain.GetProperty("clientId").GetString());
        Assert.False(plain.TryGetProperty("remainingLife", out _), "absent optional fields are left out");
        Assert.False(plain.TryGetProperty("placement", out _), "absent optional fields are left out");
        var placed = items[1];
        Assert.Equal("2021-01-10T08:00:01.500Z", placed.GetProperty("occurredAt").GetString());
        Assert.Equal(5.0, placed.GetProperty("remainingLife").GetDouble());
        Assert.Equal("kitchen", placed.GetProperty("placement").GetProperty("projectName").GetString());
        Assert.Equal("home", placed.GetProperty("placement").GetProperty("attributes").GetProperty("location").GetString());
        Assert.Equal(oneClick, placed.GetProperty("placement").GetProperty("devices").GetProperty("orderMilk").GetString());
        Assert.False(placed.TryGetProperty("batteryMillivolts", out _));

        var cursor = page.GetProperty("nextCursor").GetString();
        Assert.False(string.IsNullOrEmpty(cursor));
        var last = await GetJsonAsync($"api/clicks?from=2021-01-10T08:00:00Z&to=2021-01-10T08:01:00Z&limit=2&cursor={cursor}");
        Assert.Equal([classic], DeviceIds(last));
        Assert.Equal("2021-01-10T08:00:00.250Z", last.GetProperty("items")[0].GetProperty("occurredAt").GetString());
        Assert.Equal(JsonValueKind.Null, last.GetProperty("nextCursor").ValueKind);

        using var otherFilters = await app.Reader.GetAsync(new Uri($"api/clicks?deviceId={classic}&limit=2&cursor={cursor}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, otherFilters.StatusCode);
        Assert.Equal("cursor", (await otherFilters.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("parameter").GetString());
    }

    [Fact]
    public async Task Each_filter_works_over_http()
    {
        var a = Unique("E2EFA");
        var b = Unique("E2EFB");
        await PostAsync(
            Mqtt(a, "SINGLE", "2021-02-01T10:00:00Z"),
            Mqtt(a, "LONG", "2021-02-01T10:00:01Z"),
            Mqtt(b, "SINGLE", "2021-02-01T10:00:02Z"),
            Mqtt(b, "DOUBLE", "2021-02-01T10:00:03Z"));
        const string range = "from=2021-02-01T10:00:00Z&to=2021-02-01T10:00:03Z";

        Assert.Equal([a, a], DeviceIds(await GetJsonAsync($"api/clicks?deviceId={a}")));
        Assert.Equal([b, a], DeviceIds(await GetJsonAsync($"api/clicks?clickType=single&{range}")));
        Assert.Equal([b, a, a], DeviceIds(await GetJsonAsync($"api/clicks?{range}")));
        Assert.Equal([b, b], DeviceIds(await GetJsonAsync($"api/clicks?from=2021-02-01T10:00:02Z&to=2021-02-01T11:00:00Z")));
        Assert.Equal(["LONG"], (await GetJsonAsync($"api/clicks?deviceId={a}&clickType=LONG")).GetProperty("items").EnumerateArray().Select(i => i.GetProperty("clickType").GetString()));
        Assert.Equal(2, (await GetJsonAsync($"api/clicks?from=2021-02-01T11:00:00%2B01:00&to=2021-02-01T11:00:02%2B01:00")).GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task Paging_over_http_while_clicks_arrive_skips_and_repeats_nothing()
    {
        var device = Unique("E2EP");
        var original = Enumerable.Range(0, 120).Select(i => Mqtt(device, "SINGLE", $"2021-03-20T10:00:{i / 4:D2}.{i % 4:D3}Z")).ToArray();
        for (var i = 0; i < original.Length; i += 10)
        {
            await PostAsync(original[i..(i + 10)]);
        }

        using var stop = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            for (var i = 0; i < 200 && !stop.IsCancellationRequested; i++)
            {
                var at = i % 2 == 0 ? $"2021-03-20T11:00:{i % 60:D2}Z" : $"2021-03-20T10:00:{i % 30:D2}.{(i % 4) + 500:D3}Z";
                await PostAsync(Mqtt(device, "DOUBLE", at));
            }
        });

        var seen = new List<(string Id, string Type)>();
        string? cursor = null;
        for (var pages = 0; pages < 100; pages++)
        {
            var page = await GetJsonAsync($"api/clicks?deviceId={device}&limit=15" + (cursor is null ? string.Empty : "&cursor=" + cursor));
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(i => (i.GetProperty("id").GetString()!, i.GetProperty("clickType").GetString()!)));
            cursor = page.GetProperty("nextCursor").GetString();
            if (cursor is null)
            {
                break;
            }
        }

        await stop.CancelAsync();
        await writer;
        Assert.Null(cursor);
        Assert.Equal(seen.Count, seen.Select(s => s.Id).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(120, seen.Count(s => s.Type == "SINGLE"));
    }

    [Fact]
    public async Task Summary_figures_match_a_known_data_set_by_the_hour()
    {
        var (a, b, c) = (Unique("E2ESA"), Unique("E2ESB"), Unique("E2ESC"));
        await PostAsync(
            Classic(a, "SINGLE", "2021-03-04T10:05:00Z", 1705),
            Classic(a, "DOUBLE", "2021-03-04T10:50:00Z", 1600),
            Classic(a, "LONG", "2021-03-04T13:15:00Z", 1450),
            Classic(a, "SINGLE", "2021-03-05T10:00:00Z", 1400),  // at `to`: outside
            OneClick(b, "SINGLE", "2021-03-04T11:30:00Z", 5.0),
            OneClick(b, "SINGLE", "2021-03-04T12:00:00Z", 80.0),  // the latest reading decides: not low
            Mqtt(c, "SINGLE", "2021-03-04T09:59:59.999Z"),         // before `from`: outside
            Mqtt(c, "DOUBLE", "2021-03-04T10:00:00Z"));            // at `from`: inside

        var summary = await GetJsonAsync("api/clicks/summary?from=2021-03-04T10:00:00Z&to=2021-03-05T10:00:00Z");

        Assert.Equal("2021-03-04T10:00:00.000Z", summary.GetProperty("from").GetString());
        Assert.Equal("2021-03-05T10:00:00.000Z", summary.GetProperty("to").GetString());
        Assert.Equal("hour", summary.GetProperty("bucket").GetString());
        Assert.Equal(ReadApiAppFixture.LowMillivolts, summary.GetProperty("thresholds").GetProperty("millivolts").GetInt32());
        Assert.Equal(ReadApiAppFixture.LowRemainingLife, summary.GetProperty("thresholds").GetProperty("remainingLife").GetDouble());
        var totals = summary.GetProperty("totals");
        Assert.Equal(6, totals.GetProperty("clicks").GetInt32());
        Assert.Equal((3, 2, 1), ByType(totals));
        Assert.Equal(3, totals.GetProperty("devices").GetInt32());
        Assert.Equal(1, totals.GetProperty("lowBatteryDevices").GetInt32());
        Assert.False(summary.GetProperty("devicesTruncated").GetBoolean());

        var devices = summary.GetProperty("devices").EnumerateArray().ToList();
        Assert.Equal([a, b, c], devices.Select(d => d.GetProperty("deviceId").GetString()));
        Assert.Equal(3, devices[0].GetProperty("total").GetInt32());
        Assert.Equal((1, 1, 1), ByType(devices[0]));
        Assert.Equal("2021-03-04T10:05:00.000Z", devices[0].GetProperty("firstSeen").GetString());
        Assert.Equal("2021-03-04T13:15:00.000Z", devices[0].GetProperty("lastSeen").GetString());
        var batteryA = devices[0].GetProperty("battery");
        Assert.Equal(1450, batteryA.GetProperty("millivolts").GetInt32());
        Assert.False(batteryA.TryGetProperty("remainingLife", out _));
        Assert.Equal("2021-03-04T13:15:00.000Z", batteryA.GetProperty("at").GetString());
        Assert.True(batteryA.GetProperty("low").GetBoolean());
        var batteryB = devices[1].GetProperty("battery");
        Assert.Equal(80.0, batteryB.GetProperty("remainingLife").GetDouble());
        Assert.Equal("2021-03-04T12:00:00.000Z", batteryB.GetProperty("at").GetString());
        Assert.False(batteryB.GetProperty("low").GetBoolean());
        Assert.Equal((2, 0, 0), ByType(devices[1]));
        Assert.Equal(JsonValueKind.Null, devices[2].GetProperty("battery").ValueKind);
        Assert.Equal("2021-03-04T10:00:00.000Z", devices[2].GetProperty("firstSeen").GetString());

        var series = summary.GetProperty("series").EnumerateArray().ToList();
        Assert.Equal(24, series.Count);
        Assert.Equal("2021-03-04T10:00:00.000Z", series[0].GetProperty("start").GetString());
        Assert.Equal("2021-03-05T09:00:00.000Z", series[^1].GetProperty("start").GetString());
        Assert.Equal([3, 1, 1, 1, .. Enumerable.Repeat(0, 20)], series.Select(p => p.GetProperty("clicks").GetInt32()));
    }

    [Fact]
    public async Task Summary_of_more_than_48_hours_counts_per_utc_day_including_empty_days()
    {
        var device = Unique("E2ESD");
        await PostAsync(
            Mqtt(device, "SINGLE", "2021-04-03T23:59:59.999Z"),
            Mqtt(device, "SINGLE", "2021-04-04T00:00:00Z"),
            Mqtt(device, "LONG", "2021-04-04T12:00:00+02:00"),
            Mqtt(device, "DOUBLE", "2021-04-06T08:00:00Z"));

        var summary = await GetJsonAsync("api/clicks/summary?from=2021-04-02T00:00:00Z&to=2021-04-08T00:00:00Z");

        Assert.Equal("day", summary.GetProperty("bucket").GetString());
        var series = summary.GetProperty("series").EnumerateArray().ToList();
        Assert.Equal(["2021-04-02", "2021-04-03", "2021-04-04", "2021-04-05", "2021-04-06", "2021-04-07"], series.Select(p => p.GetProperty("start").GetString()![..10]));
        Assert.All(series, p => Assert.EndsWith("T00:00:00.000Z", p.GetProperty("start").GetString(), StringComparison.Ordinal));
        Assert.Equal([0, 1, 2, 0, 1, 0], series.Select(p => p.GetProperty("clicks").GetInt32()));
        Assert.Equal(4, summary.GetProperty("totals").GetProperty("clicks").GetInt32());
    }

    private static (int Single, int Double, int Long) ByType(JsonElement owner)
    {
        var byType = owner.GetProperty("byType");
        return (byType.GetProperty("SINGLE").GetInt32(), byType.GetProperty("DOUBLE").GetInt32(), byType.GetProperty("LONG").GetInt32());
    }
}
