using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ButtonSimulator.Delivery;
using ButtonSimulator.ErrorAction;
using ButtonSimulator.Payloads;
using Microsoft.AspNetCore.Http;
using ButtonFunctions.Http;

namespace ButtonFunctions.Tests.Simulator;

[Trait("Category", "Unit")]
public sealed class ReplayTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("replay-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Reads_the_AWS_error_action_record_format()
    {
        var records = ErrorActionReader.Read([RepoFiles.Find("ButtonFunctions.Tests/Fixtures/error-action-record.json")]).ToList();

        var record = Assert.Single(records).Record!;
        Assert.Equal("button_clicks_to_azure", record.RuleName);
        Assert.Equal("5a0b1f0e-7c3d-4a2b-9f10-2d3c4b5a6e7f", record.CloudwatchTraceId);
        var message = record.ToMessage()!;
        var body = JsonNode.Parse(message.RuleOutput)!.AsObject();
        // The original device payload, with the topic and trace id the rule SQL had added.
        Assert.Equal("G030JF055364XVRB", (string?)body["serialNumber"]);
        Assert.Equal("iotbutton/G030JF055364XVRB", (string?)body["topic"]);
        Assert.Equal("5a0b1f0e-7c3d-4a2b-9f10-2d3c4b5a6e7f", (string?)body["traceId"]);
    }

    [Fact]
    public async Task Reads_a_folder_of_single_records_arrays_and_JSON_lines()
    {
        var records = Enumerable.Range(0, 6).Select(i => Record(SimulatorHarness.Click($"D{i}"))).ToArray();
        var sink = new ErrorActionFolder(Path.Combine(_dir, "nested"));
        await sink.WriteAsync(records[0], CancellationToken.None);
        await File.WriteAllTextAsync(Path.Combine(_dir, "array.json"), JsonSerializer.Serialize(records[1..3]));
        await File.WriteAllTextAsync(Path.Combine(_dir, "lines.jsonl"), string.Join('\n', records[3..].Select(r => JsonSerializer.Serialize(r))) + "\n");
        await File.WriteAllTextAsync(Path.Combine(_dir, "junk.txt"), "not a record");

        var read = ErrorActionReader.Read([_dir]).ToList();

        Assert.Equal(records.Select(r => r.CloudwatchTraceId).Order(), read.Where(r => r.Record is not null).Select(r => r.Record!.CloudwatchTraceId).Order());
        var problem = Assert.Single(read, r => r.Record is null);
        Assert.EndsWith("junk.txt:1", problem.Source, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_reposts_each_payload_and_counts_replayed_duplicate_and_failed()
    {
        // A stub that stores by traceId, answering 200 for ids it already has (as the function does).
        var stored = new ConcurrentDictionary<string, string>();
        await using var harness = await SimulatorHarness.StartAsync(async (context, request) =>
        {
            var body = JsonNode.Parse(request.Body)!.AsObject();
            if ((string?)body["clickType"] == "BROKEN")
            {
                context.Response.StatusCode = 400;
                return;
            }

            var isNew = stored.TryAdd((string)body["traceId"]!, request.BodyText);
            context.Response.StatusCode = isNew ? 201 : 200;
            await context.Response.WriteAsJsonAsync(new { stored = isNew ? 1 : 0, duplicates = isNew ? 0 : 1 });
        });
        var delivered = SimulatorHarness.Click("DELIVERED");
        stored[delivered.TraceId] = "already stored before the error action ran";
        var broken = new IotMessage("iotbutton/X", "X", Guid.NewGuid().ToString(), Encoding.UTF8.GetBytes("{\"serialNumber\":\"X\",\"clickType\":\"BROKEN\"}"), [], new Dictionary<string, string>());
        var records = new[] { Record(SimulatorHarness.Click("LOST")), Record(delivered), Record(broken) }
            .Select(r => new ReadRecord("test", r, null))
            .Append(new ReadRecord("bad.json", null, "not an error-action record"));

        var summary = await new Replayer(harness.Sender(tokens: null)).ReplayAsync(records, null, CancellationToken.None);

        Assert.Equal((1, 1, 2), (summary.Replayed, summary.Duplicate, summary.Failed));
        Assert.Equal(2, summary.Problems.Count);
        Assert.Equal(3, harness.IngestRequests.Count());
        // Replays never write new error records.
        Assert.Empty(new DirectoryInfo(_dir).GetFiles("*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Error_records_written_by_the_sender_replay_with_the_original_trace_id()
    {
        var calls = 0;
        await using var harness = await SimulatorHarness.StartAsync((context, request) =>
        {
            // Down for the first message's three tries, then up.
            if (Interlocked.Increment(ref calls) <= 3)
            {
                context.Response.StatusCode = 503;
                return Task.CompletedTask;
            }

            return SimulatorHarness.Created(context, request);
        });
        var folder = new ErrorActionFolder(_dir);
        var sender = new HttpActionSender(harness.Http, harness.IngestUrl, null, TimeProvider.System, SimulatorHarness.FastPolicy, folder);
        var message = ClickPayloads.Click(ButtonShape.Mqtt, "esp32-hall-1", ClickType.Double, DateTimeOffset.UtcNow);

        var first = await sender.SendAsync([message], asBatch: false, CancellationToken.None);
        Assert.Equal(DeliveryOutcome.Failed, first.Outcome);
        Assert.Equal(1, folder.Written);

        var summary = await new Replayer(sender).ReplayAsync(ErrorActionReader.Read([_dir]), null, CancellationToken.None);

        Assert.Equal(1, summary.Replayed);
        var replayed = JsonNode.Parse(harness.IngestRequests.Last().Body)!.AsObject();
        Assert.Equal(message.TraceId, (string?)replayed["traceId"]);
        Assert.Equal("esp32-hall-1", (string?)replayed["deviceId"]);
        Assert.Equal("double", (string?)replayed["clickType"]);
    }

    private static ErrorActionRecord Record(IotMessage message) =>
        ErrorActionRecord.For(message, "button_clicks_to_azure", new Uri("https://func.example/api/clicks"), "Failed to send message to HTTP endpoint. Received status code: 503");
}
