using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ButtonFunctions.Tests.Fixtures;
using MongoDB.Bson;
using MongoDB.Driver;
using ButtonFunctions.Tests.Support;

namespace ButtonFunctions.Tests.EndToEnd;

/// <summary>Clicks over HTTP through LocalHost into LocalMongo, read back with the driver.</summary>
[Collection(SharedApp.Name)]
public sealed class IngestEndToEndTests(SharedAppFixture app)
{
    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static string UniqueBatch(int count)
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        return "[" + string.Join(',', Enumerable.Range(0, count).Select(i =>
            $$"""{"serialNumber":"G030E2E{{i:D3}}","batteryVoltage":"1650mV","clickType":"DOUBLE","topic":"iotbutton/G030E2E{{i:D3}}","receivedAtMs":1764064800123,"traceId":"{{run}}-{{i}}"}""")) + "]";
    }

    private static List<string> TraceIds(string batch) =>
        [.. JsonDocument.Parse(batch).RootElement.EnumerateArray().Select(e => e.GetProperty("traceId").GetString()!)];

    private static List<string> Ids(JsonElement receipt) => [.. receipt.GetProperty("ids").EnumerateArray().Select(e => e.GetString()!)];

    private Task<List<BsonDocument>> StoredAsync(IEnumerable<string> ids) =>
        app.Clicks.Find(Builders<BsonDocument>.Filter.In("_id", ids)).ToListAsync();

    [Theory]
    [InlineData("iot-button-classic.json", "G030JF055364XVRB", "SINGLE", "iot-button")]
    [InlineData("iot-button-rule-enriched.json", "G030JF055364XVRB", "DOUBLE", "iot-button")]
    [InlineData("iot-1click.json", "G030PM0123456789", "LONG", "iot-1click")]
    [InlineData("mqtt-button.json", "esp32-hall-1", "SINGLE", "mqtt-button")]
    public async Task Each_payload_shape_posted_over_http_is_stored_as_a_click_event(string fixture, string deviceId, string clickType, string source)
    {
        using var response = await app.Client.PostAsync("/api/clicks", Json(FixtureFiles.ReadText(fixture)));

        Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, $"status {response.StatusCode}");
        var receipt = await response.Content.ReadFromJsonAsync<JsonElement>();
        var stored = Assert.Single(await StoredAsync(Ids(receipt)));
        Assert.Equal(deviceId, stored["deviceId"].AsString);
        Assert.Equal(clickType, stored["clickType"].AsString);
        Assert.Equal(source, stored["source"].AsString);
        Assert.Equal(AppFixture.WriterClientId, stored["clientId"].AsString);
        Assert.Equal(BsonType.DateTime, stored["occurredAt"].BsonType);
        Assert.Equal(BsonType.DateTime, stored["receivedAt"].BsonType);
    }

    [Fact]
    public async Task An_aws_batch_is_stored_one_document_per_click_with_its_trace_ids()
    {
        using var response = await app.Client.PostAsync("/api/clicks", Json(FixtureFiles.ReadText("http-batch.json")));

        Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, $"status {response.StatusCode}");
        var stored = await StoredAsync(["1c0e7c0a-0001-4f0e-8a1b-000000000001", "1c0e7c0a-0002-4f0e-8a1b-000000000002"]);
        Assert.Equal(["G030JF055364XVRB", "G030JF055364XVRC"], stored.Select(d => d["deviceId"].AsString).Order());
        Assert.All(stored, d => Assert.Equal(d["_id"], d["traceId"]));
    }

    [Fact]
    public async Task The_same_batch_sent_three_times_is_stored_once()
    {
        var batch = UniqueBatch(10);

        using var first = await app.Client.PostAsync("/api/clicks", Json(batch));
        using var second = await app.Client.PostAsync("/api/clicks", Json(batch));
        using var third = await app.Client.PostAsync("/api/clicks", Json(batch));

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(HttpStatusCode.OK, third.StatusCode);
        var receipt = await third.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(10, receipt.GetProperty("duplicates").GetInt32());
        Assert.Equal(10, (await StoredAsync(Ids(receipt))).Count);
    }

    [Fact]
    public async Task Store_down_answers_503_with_retry_after_and_the_retry_once_it_is_back_stores_everything_once()
    {
        var batch = UniqueBatch(10);
        var ids = TraceIds(batch);

        await app.Mongo.StopListeningAsync();
        HttpResponseMessage down;
        try
        {
            down = await app.Client.PostAsync("/api/clicks", Json(batch));
        }
        finally
        {
            await app.Mongo.ResumeListeningAsync();
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
        Assert.Equal("application/problem+json", down.Content.Headers.ContentType?.MediaType);
        Assert.True(down.Headers.RetryAfter?.Delta > TimeSpan.Zero, "Retry-After in seconds");
        down.Dispose();

        // AWS retries a 503; the driver may need a moment to see the server again, as after a real outage.
        // Each 503 itself takes the store's retry budget, so this loop does not spin.
        var status = HttpStatusCode.ServiceUnavailable;
        await Eventually.TrueAsync(
            async () =>
            {
                using var retry = await app.Client.PostAsync("/api/clicks", Json(batch));
                status = retry.StatusCode;
                return status != HttpStatusCode.ServiceUnavailable;
            },
            TimeSpan.FromSeconds(30));

        Assert.True(status is HttpStatusCode.Created or HttpStatusCode.OK, $"status {status}");
        Assert.Equal(10, (await StoredAsync(ids)).Count);
    }

    [Fact]
    public async Task A_mixed_batch_stores_the_valid_clicks_and_lists_the_invalid_ones()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var body = $$"""[{"deviceId":"esp32-{{run}}","clickType":"long","timestamp":"2026-11-25T18:00:00Z"},{"deviceId":"esp32-{{run}}","clickType":"TRIPLE"}]""";

        using var response = await app.Client.PostAsync("/api/clicks", Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("urn:buttonfunctions:problem:invalid-clicks", problem.GetProperty("type").GetString());
        Assert.Equal(1, problem.GetProperty("errors")[0].GetProperty("index").GetInt32());
        Assert.Equal(1, await app.Clicks.CountDocumentsAsync(new BsonDocument("deviceId", "esp32-" + run)));
    }

    [Fact]
    public async Task Without_a_token_nothing_is_stored()
    {
        var batch = UniqueBatch(1);

        using var response = await app.AnonymousClient.PostAsync("/api/clicks", Json(batch));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(await StoredAsync(TraceIds(batch)));
    }

    [Fact]
    public async Task Indexes_are_created_at_start_up()
    {
        await Eventually.TrueAsync(
            () => app.Clicks.Indexes.List().ToList().Count == 3,
            TimeSpan.FromSeconds(20),
            "the index initializer ran");

        var keys = (await (await app.Clicks.Indexes.ListAsync()).ToListAsync()).Select(i => i["key"].AsBsonDocument.ToJson());
        Assert.Contains("""{ "deviceId" : 1, "occurredAt" : 1, "_id" : 1 }""", keys);
        Assert.Contains("""{ "occurredAt" : 1, "_id" : 1 }""", keys);
    }
}
