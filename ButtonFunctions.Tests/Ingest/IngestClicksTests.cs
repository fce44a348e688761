using System.Text;
using ButtonFunctions.Auth;
using ButtonFunctions.Ingest;
using ButtonFunctions.Storage;
using ButtonFunctions.Tests.Fixtures;
using ButtonFunctions.Clicks;
using ButtonFunctions.Http;

namespace ButtonFunctions.Tests.Ingest;

[Trait("Category", "Unit")]
public sealed class IngestClicksTests
{
    private const int AwsMaxRetriedResponseBytes = 16_384;

    private static void AssertProblem(Answer answer, int status, string type)
    {
        Assert.Equal(status, answer.Status);
        Assert.StartsWith("application/problem+json", answer.ContentType, StringComparison.Ordinal);
        Assert.Equal(type, answer.Json.GetProperty("type").GetString());
        Assert.Equal(status, answer.Json.GetProperty("status").GetInt32());
        Assert.True(answer.Body.Length < AwsMaxRetriedResponseBytes);
    }

    [Fact]
    public async Task New_clicks_are_answered_201_with_counts_and_ids()
    {
        var harness = new IngestHarness();

        var answer = await harness.PostAsync(FixtureFiles.ReadText("http-batch.json"));

        Assert.Equal(201, answer.Status);
        Assert.StartsWith("application/json", answer.ContentType, StringComparison.Ordinal);
        Assert.Equal(2, answer.Json.GetProperty("stored").GetInt32());
        Assert.Equal(0, answer.Json.GetProperty("duplicates").GetInt32());
        Assert.Equal(
            ["1c0e7c0a-0001-4f0e-8a1b-000000000001", "1c0e7c0a-0002-4f0e-8a1b-000000000002"],
            answer.Json.GetProperty("ids").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(2, harness.Store.Stored.Count);
    }

    [Fact]
    public async Task A_retried_batch_is_answered_200_and_stored_once()
    {
        var harness = new IngestHarness();
        await harness.PostAsync(FixtureFiles.ReadText("http-batch.json"));

        var again = await harness.PostAsync(FixtureFiles.ReadText("http-batch.json"));

        Assert.Equal(200, again.Status);
        Assert.Equal(0, again.Json.GetProperty("stored").GetInt32());
        Assert.Equal(2, again.Json.GetProperty("duplicates").GetInt32());
        Assert.Equal(2, harness.Store.Stored.Count);
    }

    [Fact]
    public async Task Mixed_batch_stores_the_valid_clicks_and_answers_400_listing_the_invalid_indices()
    {
        var harness = new IngestHarness();

        var answer = await harness.PostAsync("""
            [{"serialNumber":"A","clickType":"SINGLE","traceId":"t-1"},
             {"serialNumber":"B","clickType":"TRIPLE"},
             {"deviceId":"C","clickType":"long","timestamp":"2026-11-25T18:00:00Z"}]
            """);

        AssertProblem(answer, 400, ProblemTypes.InvalidClicks);
        Assert.Equal(2, answer.Json.GetProperty("stored").GetInt32());
        var error = Assert.Single(answer.Json.GetProperty("errors").EnumerateArray());
        Assert.Equal(1, error.GetProperty("index").GetInt32());
        Assert.Contains("clickType", error.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Contains("were stored", answer.Json.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(["A", "C"], harness.Store.Stored.Values.Select(c => c.DeviceId).Order());
    }

    [Fact]
    public async Task The_caller_established_by_the_auth_middleware_is_recorded_as_client_id()
    {
        var harness = new IngestHarness();

        await harness.PostAsync(FixtureFiles.ReadText("mqtt-button.json"), caller: new Caller("client-42", new HashSet<string> { "write:clicks" }));

        Assert.Equal("client-42", Assert.Single(harness.Store.Stored.Values).ClientId);
    }

    [Fact]
    public async Task Without_a_caller_the_click_is_stored_without_client_id()
    {
        var harness = new IngestHarness();

        await harness.PostAsync(FixtureFiles.ReadText("mqtt-button.json"));

        Assert.Null(Assert.Single(harness.Store.Stored.Values).ClientId);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/octet-stream")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("application/json; charset=utf-16")]
    [InlineData("application/ json")]
    [InlineData("application /json")]
    [InlineData("application/json/x")]
    [InlineData("/json")]
    [InlineData("not a media type")]
    public async Task Bodies_declared_as_something_other_than_json_are_answered_415(string contentType)
    {
        var harness = new IngestHarness();

        var answer = await harness.PostAsync(FixtureFiles.ReadText("mqtt-button.json"), contentType);

        AssertProblem(answer, 415, ProblemTypes.UnsupportedMediaType);
        Assert.Empty(harness.Store.Stored);
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("Application/JSON; charset=utf-8")]
    [InlineData("application/cloudevents+json")]
    [InlineData("application/json; charset=\"UTF-8\"")]
    [InlineData(null)]
    public async Task Json_media_types_and_a_missing_content_type_are_read_as_json(string? contentType)
    {
        var harness = new IngestHarness();

        var answer = await harness.PostAsync(FixtureFiles.ReadText("mqtt-button.json"), contentType);

        Assert.Equal(201, answer.Status);
    }

    [Theory]
    [InlineData("""{"deviceId":"esp32-c1\u0085","clickType":"single","timestamp":"2026-11-25T18:00:00.250Z"}""", "deviceId")]
    [InlineData("""{"serialNumber":"G030C1","clickType":"SINGLE","traceId":"t\u009b[2J"}""", "traceId")]
    [InlineData("""{"serialNumber":"G030C1","clickType":"SINGLE","topic":"iotbutton/\u0080G030C1"}""", "topic")]
    [InlineData("""{"deviceEvent":{"buttonClicked":{"clickType":"LONG"}},"deviceInfo":{"deviceId":"G030PMC1"},"placementInfo":{"attributes":{"location":"home\u0085"}}}""", "attributes")]
    [InlineData("""{"deviceEvent":{"buttonClicked":{"clickType":"LONG"}},"deviceInfo":{"deviceId":"G030PMC1"},"placementInfo":{"devices":{"order\u009fMilk":"G030PMC1"}}}""", "devices")]
    public async Task C1_control_characters_in_any_field_are_refused_and_nothing_is_stored(string body, string field)
    {
        var harness = new IngestHarness();

        var answer = await harness.PostAsync(body);

        AssertProblem(answer, 400, ProblemTypes.InvalidClicks);
        Assert.Contains(field, Assert.Single(answer.Json.GetProperty("errors").EnumerateArray()).GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Empty(harness.Store.Stored);
    }

    [Fact]
    public async Task A_declared_content_length_over_the_limit_is_answered_413_without_reading_the_body()
    {
        var harness = new IngestHarness(new IngestOptions { MaxBodyBytes = 1_024 });
        var body = new CountingStream(int.MaxValue);

        var answer = await harness.PostAsync(body, "application/json", contentLength: 1_025);

        AssertProblem(answer, 413, ProblemTypes.BodyTooLarge);
        Assert.Equal(0, body.BytesRead);
    }

    [Fact]
    public async Task A_chunked_body_over_the_limit_is_answered_413_after_reading_at_most_the_limit()
    {
        var harness = new IngestHarness(new IngestOptions { MaxBodyBytes = 4_096 });
        var body = new CountingStream(10_000_000);

        var answer = await harness.PostAsync(body, "application/json", contentLength: null);

        AssertProblem(answer, 413, ProblemTypes.BodyTooLarge);
        Assert.InRange(body.BytesRead, 4_097, 4_097);
    }

    [Fact]
    public async Task A_body_exactly_at_the_limit_is_accepted()
    {
        var json = FixtureFiles.ReadText("mqtt-button.json");
        var harness = new IngestHarness(new IngestOptions { MaxBodyBytes = Encoding.UTF8.GetByteCount(json) });

        var answer = await harness.PostAsync(new MemoryStream(Encoding.UTF8.GetBytes(json)), "application/json");

        Assert.Equal(201, answer.Status);
    }

    [Theory]
    [InlineData("", "empty-body")]
    [InlineData("{", "invalid-json")]
    [InlineData("null", "unsupported-payload")]
    [InlineData("[]", "unsupported-payload")]
    public async Task Whole_body_problems_are_answered_400_with_a_stable_type(string body, string slug)
    {
        var harness = new IngestHarness();

        var answer = await harness.PostAsync(body);

        AssertProblem(answer, 400, ProblemTypes.Prefix + slug);
    }

    [Fact]
    public async Task More_clicks_than_allowed_are_answered_413_and_nothing_is_stored()
    {
        var harness = new IngestHarness(new IngestOptions { MaxEvents = 2 });

        var answer = await harness.PostAsync("[" + string.Join(',', Enumerable.Range(0, 3).Select(i => $$"""{"serialNumber":"A","clickType":"SINGLE","traceId":"t{{i}}"}""")) + "]");

        AssertProblem(answer, 413, ProblemTypes.TooManyClicks);
        Assert.Empty(harness.Store.Stored);
    }

    [Fact]
    public async Task A_throttled_store_is_answered_429_with_retry_after_so_aws_retries()
    {
        var harness = new IngestHarness();
        harness.Store.Fault = ClickStoreOutcome.Throttled;
        harness.Store.FaultRetryAfter = TimeSpan.FromMilliseconds(1_200);

        var answer = await harness.PostAsync(FixtureFiles.ReadText("mqtt-button.json"));

        AssertProblem(answer, 429, ProblemTypes.StoreThrottled);
        Assert.Equal("2", answer.RetryAfter);
    }

    [Fact]
    public async Task An_unreachable_store_is_answered_503_with_retry_after_so_aws_retries()
    {
        var harness = new IngestHarness();
        harness.Store.Fault = ClickStoreOutcome.Unavailable;

        var answer = await harness.PostAsync(FixtureFiles.ReadText("http-batch.json"));

        AssertProblem(answer, 503, ProblemTypes.StoreUnavailable);
        Assert.Equal(((int)RetryAfter.StoreUnavailable.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture), answer.RetryAfter);
    }

    [Fact]
    public async Task A_store_refusal_is_answered_500_so_aws_retries_and_then_keeps_the_payload_in_its_error_action()
    {
        var harness = new IngestHarness();
        harness.Store.Fault = ClickStoreOutcome.Failed;

        var answer = await harness.PostAsync(FixtureFiles.ReadText("http-batch.json"));

        AssertProblem(answer, 500, ProblemTypes.StoreError);
    }

    [Fact]
    public async Task A_store_fault_wins_over_invalid_items_so_the_valid_ones_are_retried()
    {
        var harness = new IngestHarness();
        harness.Store.Fault = ClickStoreOutcome.Unavailable;

        var answer = await harness.PostAsync("""[{"serialNumber":"A","clickType":"SINGLE"},{"serialNumber":"B"}]""");

        Assert.Equal(503, answer.Status);
    }

    [Fact]
    public async Task Answers_stay_under_16_KiB_with_long_ids_listed_up_to_a_budget_and_marked_truncated()
    {
        var harness = new IngestHarness(new IngestOptions { MaxEvents = 1_000, MaxBodyBytes = 1_048_576 });
        var clicks = Enumerable.Range(0, 1_000).Select(i => $$"""{"serialNumber":"A","clickType":"SINGLE","traceId":"{{i:D4}}{{new string('t', 124)}}"}""");

        var answer = await harness.PostAsync("[" + string.Join(',', clicks) + "]");

        Assert.Equal(201, answer.Status);
        Assert.True(answer.Body.Length < AwsMaxRetriedResponseBytes, $"{answer.Body.Length} bytes");
        Assert.Equal(1_000, answer.Json.GetProperty("stored").GetInt32());
        Assert.True(answer.Json.GetProperty("idsTruncated").GetBoolean());
        Assert.InRange(answer.Json.GetProperty("ids").GetArrayLength(), 10, 999);
    }

    [Fact]
    public async Task Answers_stay_under_16_KiB_when_every_item_is_invalid_with_non_ascii_keys()
    {
        var harness = new IngestHarness(new IngestOptions { MaxEvents = 1_000, MaxBodyBytes = 1_048_576 });
        var key = new string('é', 128);
        var clicks = Enumerable.Range(0, 1_000).Select(_ =>
            $$$$"""{"deviceEvent":{"buttonClicked":{"clickType":"SINGLE"}},"deviceInfo":{"deviceId":"G"},"placementInfo":{"attributes":{"{{{{key}}}}":1}}}""");

        var answer = await harness.PostAsync("[" + string.Join(',', clicks) + "]");

        AssertProblem(answer, 400, ProblemTypes.InvalidClicks);
        Assert.True(answer.Json.GetProperty("errorsTruncated").GetBoolean());
        Assert.Equal(0, answer.Json.GetProperty("stored").GetInt32());
    }

    /// <summary>An endless (or very long) body that counts how much of it was read.</summary>
    private sealed class CountingStream(long length) : Stream
    {
        public long BytesRead { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - BytesRead);
            buffer.AsSpan(offset, n).Fill((byte)' ');
            BytesRead += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
