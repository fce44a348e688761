using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using MongoDB.Bson;
using MongoDB.Driver;

namespace ButtonFunctions.Tests.LocalHost;

/// <summary>
/// The app the bad-request corpus is sent to: one allowed destination ARN, and a confirmation rate limit above the
/// corpus's count, so each bad confirmation is judged on what it carries rather than refused 429 by the limiter.
/// </summary>
public sealed class CorpusAppFixture : IAsyncLifetime
{
    public const string AllowedArn = "arn:aws:iot:eu-west-1:123456789012:ruledestination/http/0d6f8f43-1c2b-4a5e-9d7c-2b1a0e9f8c31";

    public AppUnderTest Stack { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Stack = await AppUnderTest.StartAsync(settings: new Dictionary<string, string>
        {
            ["Destinations__AllowedArns"] = AllowedArn,
            ["Destinations__ConfirmationPermitLimit"] = "1000",
        });

    public async Task DisposeAsync()
    {
        if (Stack is not null)
        {
            await Stack.DisposeAsync();
        }
    }
}

/// <summary>
/// A corpus of bad requests — malformed and truncated JSON, invalid UTF-8, every control character class, wrong
/// types, huge and deeply nested bodies, batches over the limit, wrong content types, header abuse, bad
/// confirmations — sent as raw bytes through LocalHost to the real worker. Every one must be answered 4xx with an
/// application/problem+json body whose status matches, nothing may be stored, and neither LocalHost nor the worker
/// may log at Error: a client's fault is never the server's. Well-formed confirmations the app must not follow (an
/// unlisted ARN, an enableUrl AWS would not send) are answered as documented, 200 not-followed, and store nothing.
/// </summary>
[Trait("Category", "LocalHost")]
public sealed class BadRequestCorpusTests(CorpusAppFixture fixture) : IClassFixture<CorpusAppFixture>
{
    private AppUnderTest App => fixture.Stack;

    private const string ConfirmationHeader = "x-amz-rules-engine-message-type: DestinationConfirmation";

    /// <summary>Well-formed, but not in Destinations:AllowedArns: nobody may make the app record or follow it.</summary>
    private const string UnknownArn = "arn:aws:iot:eu-west-1:123456789012:ruledestination/http/ffffffff-1c2b-4a5e-9d7c-2b1a0e9f8c31";

    /// <summary>One request: what it is, its header lines (without Host/Connection/Content-Length) and its body.</summary>
    /// <param name="NotFollowed">
    /// A well-formed confirmation the app must neither follow nor record (an ARN outside the allow-list, or an
    /// enableUrl other than the one AWS would send): README, "Destination confirmation", answers those
    /// <c>200 {"status":"not-followed"}</c> with the command to confirm by hand, not a 4xx.
    /// </param>
    public sealed record BadRequest(string Name, IReadOnlyList<string> Headers, byte[] Body, string? RawContentLength = null, bool NotFollowed = false);

    private static readonly string Now = DateTimeOffset.UtcNow.AddMinutes(-5).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>A valid generic button click with <paramref name="deviceId"/> spliced in as raw JSON text.</summary>
    private static string Click(string deviceIdJson = "\"corpus-1\"", string clickType = "\"single\"", string? extra = null) =>
        $"{{\"deviceId\":{deviceIdJson},\"clickType\":{clickType},\"timestamp\":\"{Now}\"{(extra is null ? "" : "," + extra)}}}";

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];

    private List<BadRequest> Corpus()
    {
        var json = new[] { "Content-Type: application/json" };
        string[] Bearer(params string[] more) => ["Content-Type: application/json", "Authorization: Bearer " + App.WriterToken, .. more];
        var corpus = new List<BadRequest>();
        void Add(string name, string body) => corpus.Add(new BadRequest(name, Bearer(), Utf8(body)));
        void AddBytes(string name, byte[] body) => corpus.Add(new BadRequest(name, Bearer(), body));

        // Malformed JSON.
        string[] malformed =
        [
            "", " ", "\n\t ", "{", "}", "[", "]", "{\"deviceId\":}", "{\"deviceId\" \"corpus-1\"}", "{'deviceId':'corpus-1','clickType':'single'}",
            "{deviceId:\"corpus-1\",clickType:\"single\"}", Click().TrimEnd('}') + ",}", "[" + Click() + ",]", Click() + Click(), Click() + "x", "x" + Click(),
            "nul", "tru", "fals", "NaN", "Infinity", "-", "01", "1e", "\"unterminated", "{\"deviceId\":\"corpus-1\" // comment\n,\"clickType\":\"single\"}",
            "/* c */ " + Click(), Click("\"corpus\\x41\""), Click("\"corpus\\u12\""), Click("\"corpus\\uZZZZ\""), Click("\"corpus\\ud800\""),
            Click("\"corpus\\udc00x\""), Click("\"corpus\\ud800\\u0041\""), "{\"deviceId\":\"corpus-1\",\"clickType\":\"single\",\"timestamp\":}", "[,]", "[[]", "{}}",
            "{\"\":}", "\u0000", "{\"deviceId\"\u0000:\"x\"}",
        ];
        for (var i = 0; i < malformed.Length; i++)
        {
            Add($"malformed JSON #{i}: {Printable(malformed[i])}", malformed[i]);
        }

        // Truncated JSON: every proper prefix of an object or array is invalid.
        var whole = Click(extra: "\"topic\":\"iotbutton/corpus-1\",\"receivedAtMs\":1764583200123,\"traceId\":\"5a0b1f0e-7c3d-4a2b-9f10-2d3c4b5a6e7f\"");
        for (var cut = 1; cut < whole.Length; cut += Math.Max(1, whole.Length / 24))
        {
            Add($"truncated click at {cut} of {whole.Length}", whole[..cut]);
        }

        var batch = "[" + Click("\"corpus-2\"") + "," + Click("\"corpus-3\"") + "]";
        foreach (var cut in new[] { 1, batch.Length / 3, batch.Length / 2, batch.Length - 2, batch.Length - 1 })
        {
            Add($"truncated batch at {cut} of {batch.Length}", batch[..cut]);
        }

        // Invalid UTF-8 inside a string value.
        (string Name, byte[] Bytes)[] invalidUtf8 =
        [
            ("lone continuation byte", [0x80]), ("overlong slash", [0xC0, 0xAF]), ("overlong 3-byte", [0xE0, 0x80, 0xAF]),
            ("encoded surrogate", [0xED, 0xA0, 0x80]), ("beyond U+10FFFF", [0xF4, 0x90, 0x80, 0x80]), ("5-byte lead", [0xF8, 0x88, 0x80, 0x80, 0x80]),
            ("0xFF", [0xFF]), ("0xFE", [0xFE]), ("truncated 3-byte sequence", [0xE2, 0x82]), ("lead byte then ASCII", [0xC3, 0x41]),
            ("Latin-1 e-acute", [0xE9]), ("truncated 4-byte sequence", [0xF0, 0x9F, 0x98]),
        ];
        foreach (var (name, bytes) in invalidUtf8)
        {
            AddBytes($"invalid UTF-8 in deviceId: {name}",
                Concat(Utf8("{\"deviceId\":\"corpus-"), bytes, Utf8($"\",\"clickType\":\"single\",\"timestamp\":\"{Now}\"}}")));
        }

        // Every control character (Unicode category Cc): C0, DEL and C1, escaped and raw, in the device id.
        for (var c = 0; c <= 0x9F; c++)
        {
            if (c is > 0x1F and < 0x7F)
            {
                continue;
            }

            var escaped = "\\u" + c.ToString("X4", CultureInfo.InvariantCulture);
            Add($"control U+{c:X4} escaped in deviceId", Click($"\"corpus{escaped}x\""));
            // Raw: a C0 control is invalid JSON, DEL and C1 are valid JSON (C1 as its UTF-8 bytes) but still controls.
            AddBytes($"control U+{c:X4} raw in deviceId", Concat(Utf8("{\"deviceId\":\"corpus"), Utf8(((char)c).ToString()), Utf8($"x\",\"clickType\":\"single\",\"timestamp\":\"{Now}\"}}")));
        }

        // Controls in the other strings that become stored fields or ids.
        Add("NEL in traceId", Click(extra: "\"traceId\":\"trace\\u0085x\""));
        Add("CSI in topic", Click(extra: "\"topic\":\"iotbutton/\\u009B31m\""));
        Add("BEL in classic serialNumber", "{\"serialNumber\":\"G030JF05\\u0007\",\"batteryVoltage\":\"1705mV\",\"clickType\":\"SINGLE\"}");
        Add("NUL in classic serialNumber", "{\"serialNumber\":\"G030\\u0000JF05\",\"batteryVoltage\":\"1705mV\",\"clickType\":\"SINGLE\"}");
        Add("NEL in a 1-Click placement attribute", OneClick(location: "home\\u0085"));
        Add("ESC in a 1-Click placement name", OneClick(placementName: "fridge\\u001B[2J"));

        // Wrong types and values.
        string[] wrong =
        [
            Click("42"), Click("[\"corpus-1\"]"), Click("{\"id\":\"corpus-1\"}"), Click("null"), Click("true"), Click("\"\""), Click("\"   \""),
            Click(clickType: "3"), Click(clickType: "[\"single\"]"), Click(clickType: "null"), Click(clickType: "\"TRIPLE\""), Click(clickType: "\"\""),
            "{\"deviceId\":\"corpus-1\",\"clickType\":\"single\",\"timestamp\":1764583200}", "{\"deviceId\":\"corpus-1\",\"clickType\":\"single\",\"timestamp\":true}",
            "{\"deviceId\":\"corpus-1\",\"clickType\":\"single\",\"timestamp\":\"not a date\"}", "{\"deviceId\":\"corpus-1\",\"clickType\":\"single\",\"timestamp\":\"2026-13-45T25:61:00Z\"}",
            "{\"deviceId\":\"corpus-1\",\"clickType\":\"single\",\"timestamp\":\"2999-01-01T00:00:00Z\"}",
            "{\"serialNumber\":42,\"batteryVoltage\":\"1705mV\",\"clickType\":\"SINGLE\"}", "{\"serialNumber\":\"G030JF055364XVRB\",\"batteryVoltage\":\"lots\",\"clickType\":\"SINGLE\"}",
            "{\"serialNumber\":\"G030JF055364XVRB\",\"batteryVoltage\":\"99999999mV\",\"clickType\":\"SINGLE\"}", Click(extra: "\"receivedAtMs\":\"soon\""),
            Click(extra: "\"receivedAtMs\":-5"), Click(extra: "\"traceId\":42"), Click(extra: "\"topic\":42"),
            "42", "\"click\"", "true", "null", "[1,2]", "[null]", "[[" + Click() + "]]", "[]", "{}",
            "{\"deviceEvent\":\"clicked\",\"deviceInfo\":{\"deviceId\":\"corpus-1c\"}}", "{\"deviceEvent\":{\"buttonClicked\":{}},\"deviceInfo\":{\"deviceId\":\"corpus-1c\"}}",
            "{\"somethingElse\":1}", Click(new string('d', 129).Insert(0, "\"") + "\""),
            Click(extra: "\"topic\":\"" + new string('t', 300) + "\""), Click(extra: "\"traceId\":\"" + new string('r', 200) + "\""),
        ];
        for (var i = 0; i < wrong.Length; i++)
        {
            Add($"wrong type or value #{i}: {Printable(wrong[i])}", wrong[i]);
        }

        // Huge and deeply nested bodies.
        Add("body over the 131,072-byte limit", Click(extra: "\"pad\":\"" + new string('p', 140_000) + "\""));
        Add("whitespace over the limit", new string(' ', 131_073) + Click());
        Add("arrays nested 1,000 deep", new string('[', 1_000) + new string(']', 1_000));
        Add("arrays nested 20,000 deep, unclosed", new string('[', 20_000));
        Add("objects nested 200 deep in an unknown field", Click(extra: "\"x\":" + string.Concat(Enumerable.Repeat("{\"a\":", 200)) + "1" + new string('}', 200)));
        Add("a batch nested in a batch 100 deep", new string('[', 100) + Click() + new string(']', 100));

        // Batches over the limit (Ingest:MaxEvents 100).
        Add("101 clicks", "[" + string.Join(",", Enumerable.Range(0, 101).Select(i => Click($"\"corpus-b{i}\""))) + "]");
        Add("1,000 empty objects", "[" + string.Join(",", Enumerable.Repeat("{}", 1_000)) + "]");
        Add("500 minimal clicks", "[" + string.Join(",", Enumerable.Range(0, 500).Select(i => $"{{\"deviceId\":\"b{i}\",\"clickType\":\"single\"}}")) + "]");

        // Wrong content types, each with a valid click.
        foreach (var type in new[]
                 {
                     "text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/octet-stream",
                     "application/json; charset=utf-16", "application/json; charset=iso-8859-1", "application/jsonx", "json", "text/json", "image/png", "application/ json",
                 })
        {
            corpus.Add(new BadRequest($"content type {type}", ["Content-Type: " + type, "Authorization: Bearer " + App.WriterToken], Utf8(Click())));
        }

        // Header abuse, each with a valid click.
        var token = App.WriterToken;
        var parts = token.Split('.');
        var tampered = parts[0] + "." + parts[1] + "." + (parts[2][0] == 'A' ? 'B' : 'A') + parts[2][1..];
        var none = Convert.ToBase64String(Utf8("{\"alg\":\"none\",\"typ\":\"JWT\"}")).TrimEnd('=').Replace('+', '-').Replace('/', '_') + "." + parts[1] + ".";
        (string Name, string[] Headers)[] abuse =
        [
            ("no Authorization", [.. json]),
            ("Basic credentials", [.. json, "Authorization: Basic Y29ycHVzOnNlY3JldA=="]),
            ("Bearer without a token", [.. json, "Authorization: Bearer"]),
            ("Bearer with blanks only", [.. json, "Authorization: Bearer    "]),
            ("a token that is not a JWT", [.. json, "Authorization: Bearer not-a-jwt"]),
            ("three garbage segments", [.. json, "Authorization: Bearer a.b.c"]),
            ("a tampered signature", [.. json, "Authorization: Bearer " + tampered]),
            ("alg none", [.. json, "Authorization: Bearer " + none]),
            ("a token without write:clicks", [.. json, "Authorization: Bearer " + App.ReaderToken]),
            ("two Authorization headers", [.. json, "Authorization: Bearer " + token, "Authorization: Bearer " + token]),
            ("an Authorization header over 8 KiB", [.. json, "Authorization: Bearer " + new string('a', 9_000)]),
            ("a raw zero-width space before the scheme", [.. json, "Authorization: \u00E2\u0080\u008BBearer " + token]),
            ("a raw zero-width space inside the token", [.. json, "Authorization: Bearer " + token[..20] + "\u00E2\u0080\u008B" + token[20..]]),
            ("a raw NEL after the token", [.. json, "Authorization: Bearer " + token + "\u00C2\u0085"]),
            ("the confirmation header on a click, with a token", [.. json, "Authorization: Bearer " + token, ConfirmationHeader]),
        ];
        foreach (var (name, headers) in abuse)
        {
            corpus.Add(new BadRequest("header abuse: " + name, headers, Utf8(Click())));
        }

        // Bad destination confirmations (no token, as AWS sends them).
        const string Enable = "https://iot.eu-west-1.amazonaws.com/confirmdestination/";
        string Confirmation(string arn = UnknownArn, string tokenValue = "AYADeC5lN2ItNjUyZi00MDJmLTk3MjItYTI5NjM3ZjMxY2Q1", string? enableUrl = null, string messageType = "DestinationConfirmation") =>
            JsonSerializer.Serialize(new { arn, confirmationToken = tokenValue, enableUrl = enableUrl ?? Enable + tokenValue, messageType });
        (string Name, string Body)[] confirmations =
        [
            ("malformed JSON", "{\"arn\":"),
            ("an array", "[" + Confirmation() + "]"),
            ("no arn", "{\"confirmationToken\":\"abc\",\"enableUrl\":\"" + Enable + "abc\",\"messageType\":\"DestinationConfirmation\"}"),
            ("no token", "{\"arn\":\"" + UnknownArn + "\",\"enableUrl\":\"" + Enable + "abc\",\"messageType\":\"DestinationConfirmation\"}"),
            ("no enableUrl", "{\"arn\":\"" + UnknownArn + "\",\"confirmationToken\":\"abc\",\"messageType\":\"DestinationConfirmation\"}"),
            ("an arn that is no ARN", Confirmation(arn: "not-an-arn")),
            ("an arn of another service", Confirmation(arn: "arn:aws:s3:::bucket/object")),
            ("a token ending in a newline", Confirmation(tokenValue: "AYADeC5lN2ItNjUy\n")),
            ("a token of one dot", Confirmation(tokenValue: ".")),
            ("a token of two dots", Confirmation(tokenValue: "..")),
            ("a token with a slash", Confirmation(tokenValue: "abc/../def")),
            ("a token with a control character", Confirmation(tokenValue: "abc\u0085def")),
            ("a wrong messageType", Confirmation(messageType: "Subscribe")),
            ("a token of 10,000 characters", Confirmation(tokenValue: new string('t', 10_000))),
        ];
        foreach (var (name, body) in confirmations)
        {
            corpus.Add(new BadRequest("bad confirmation: " + name, [.. json, ConfirmationHeader], Utf8(body)));
        }

        (string Name, string Body)[] notFollowed =
        [
            ("for an ARN outside the allow-list", Confirmation()),
            ("with an http enableUrl", Confirmation(enableUrl: "http://iot.eu-west-1.amazonaws.com/confirmdestination/AYADeC5lN2ItNjUyZi00MDJmLTk3MjItYTI5NjM3ZjMxY2Q1")),
            ("with an enableUrl on another host", Confirmation(enableUrl: "https://evil.example/confirmdestination/AYADeC5lN2ItNjUyZi00MDJmLTk3MjItYTI5NjM3ZjMxY2Q1")),
            ("with an enableUrl in another region", Confirmation(enableUrl: "https://iot.us-east-1.amazonaws.com/confirmdestination/AYADeC5lN2ItNjUyZi00MDJmLTk3MjItYTI5NjM3ZjMxY2Q1")),
            ("with an enableUrl for another token", Confirmation(enableUrl: Enable + "SOMEOTHERTOKEN")),
            ("for an allowed ARN's account in another region", Confirmation(arn: CorpusAppFixture.AllowedArn.Replace("eu-west-1", "us-east-1", StringComparison.Ordinal))),
        ];
        foreach (var (name, body) in notFollowed)
        {
            corpus.Add(new BadRequest("unfollowed confirmation " + name, [.. json, ConfirmationHeader], Utf8(body), NotFollowed: true));
        }

        // A body that stops before its Content-Length and stalls (the client is still there): 408 or 400, never 500.
        corpus.Add(new BadRequest("a body shorter than its Content-Length that stalls", Bearer(), Utf8(Click()[..20]), RawContentLength: "200"));
        return corpus;
    }

    /// <summary>An AWS IoT 1-Click message (as in Fixtures/iot-1click.json) with raw JSON text spliced into two placement strings.</summary>
    private static string OneClick(string placementName = "fridge", string location = "home") =>
        "{\"deviceEvent\":{\"buttonClicked\":{\"clickType\":\"SINGLE\",\"reportedTime\":\"" + Now + "\"}},\"deviceInfo\":{\"type\":\"button\",\"deviceId\":\"corpus-1c\",\"remainingLife\":5.0}," +
        "\"placementInfo\":{\"projectName\":\"kitchen\",\"placementName\":\"" + placementName + "\",\"attributes\":{\"location\":\"" + location + "\"},\"devices\":{\"orderMilk\":\"corpus-1c\"}}}";

    private static string Printable(string text)
    {
        var shown = new StringBuilder();
        foreach (var c in text.Length > 48 ? text[..48] + "…" : text)
        {
            shown.Append(c is < ' ' or (>= '\u007F' and <= '\u009F') ? $"\\u{(int)c:X4}" : c.ToString());
        }

        return shown.ToString();
    }

    private static bool IsProblemFor(RawResponse response)
    {
        try
        {
            using var problem = JsonDocument.Parse(response.Body);
            return problem.RootElement.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String
                && problem.RootElement.TryGetProperty("status", out var status) && status.ValueKind == JsonValueKind.Number && status.GetInt32() == response.Status;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static byte[] Wire(BadRequest request)
    {
        var head = new StringBuilder()
            .Append("POST /api/clicks HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
        foreach (var header in request.Headers)
        {
            head.Append(header).Append("\r\n");
        }

        head.Append("Content-Length: ").Append(request.RawContentLength ?? request.Body.Length.ToString(CultureInfo.InvariantCulture)).Append("\r\n\r\n");

        // Header lines are written byte for byte (Latin-1), so raw non-ASCII bytes stay as the case wrote them.
        return Concat(RawHttp.Bytes(head.ToString()), request.Body);
    }

    [Fact]
    public async Task Every_bad_request_is_answered_4xx_with_a_problem_and_nothing_is_stored_or_logged_as_an_error()
    {
        var corpus = Corpus();
        Assert.True(corpus.Count(c => !c.NotFollowed) >= 200, $"only {corpus.Count} cases");
        Assert.Equal(corpus.Count, corpus.Select(c => c.Name).Distinct().Count());
        var failures = new List<string>();
        var statuses = new SortedDictionary<int, int>();

        foreach (var request in corpus)
        {
            var response = await RawHttp.SendAsync(App.Host.BaseAddress.Port, Wire(request));
            if (response is null)
            {
                failures.Add($"{request.Name}: no answer");
                continue;
            }

            statuses[response.Status] = statuses.GetValueOrDefault(response.Status) + 1;
            if (request.NotFollowed)
            {
                if (response.Status != 200 || !response.Text.Contains("\"status\":\"not-followed\"", StringComparison.Ordinal))
                {
                    failures.Add($"{request.Name}: {response.Status} {Printable(response.Text)} (expected 200 not-followed)");
                }
            }
            else if (response.Status is < 400 or >= 500)
            {
                failures.Add($"{request.Name}: {response.Status} {Printable(response.Text)}");
            }
            else if (response.Header("Content-Type")?.StartsWith("application/problem+json", StringComparison.Ordinal) != true)
            {
                failures.Add($"{request.Name}: {response.Status} with Content-Type {response.Header("Content-Type") ?? "(none)"}");
            }
            else if (!IsProblemFor(response))
            {
                failures.Add($"{request.Name}: problem body without type or with another status: {Printable(response.Text)}");
            }
        }

        var clicks = await App.Database.GetCollection<BsonDocument>("clicks").Find(FilterDefinition<BsonDocument>.Empty).ToListAsync();
        var destinations = await App.Database.GetCollection<BsonDocument>("destinations").Find(FilterDefinition<BsonDocument>.Empty).ToListAsync();
        failures.AddRange(clicks.Select(c => "stored click: " + c.ToJson()));
        failures.AddRange(destinations.Select(d => "stored destination record: " + d.ToJson()));
        failures.AddRange(App.Logs.Entries.Where(e => e.Level >= LogLevel.Error).Select(e => $"{e.Level} log [{e.Category}]: {e.Message} {e.Exception?.GetType().Name}"));

        Assert.True(failures.Count == 0,
            $"{failures.Count} problems in {corpus.Count} bad requests (statuses {string.Join(", ", statuses.Select(s => $"{s.Key}×{s.Value}"))}):\n"
            + string.Join("\n", failures));
    }
}
