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

    private static JsonObject Body(IotMessage message) => JsonNode.Parse(message.RuleOutput)!.AsObject();

    [Fact]
    public void Reads_the_AWS_error_action_record_format()
    {
        var read = Assert.Single(ErrorActionReader.Read([RepoFiles.Find("ButtonFunctions.Tests/Fixtures/error-action-record.json")]));

        var record = read.Record!;
        Assert.False(record.IsBatched);
        Assert.Equal("button_clicks_to_azure", record.RuleName);
        Assert.Equal("5a0b1f0e-7c3d-4a2b-9f10-2d3c4b5a6e7f", record.CloudwatchTraceId);
        var body = Body(Assert.Single(record.ReplayItems(read.KeyTraceId)).Message!);
        // The original device payload, with the topic and trace id the rule SQL had added.
        Assert.Equal("G030JF055364XVRB", (string?)body["serialNumber"]);
        Assert.Equal("iotbutton/G030JF055364XVRB", (string?)body["topic"]);
        Assert.Equal("5a0b1f0e-7c3d-4a2b-9f10-2d3c4b5a6e7f", (string?)body["traceId"]);
    }

    [Fact]
    public void A_batched_record_replays_one_message_per_entry_with_that_entrys_trace_id()
    {
        var read = Assert.Single(ErrorActionReader.Read([RepoFiles.Find("ButtonFunctions.Tests/Fixtures/error-action-record-batched.json")]));

        Assert.True(read.Record!.IsBatched);
        var items = read.Record.ReplayItems(read.KeyTraceId);
        Assert.Equal([1, 2, 3], items.Select(i => i.EntryId!.Value));
        var bodies = items.Select(i => Body(i.Message!)).ToArray();
        Assert.Equal(["0f3c2a10-1b2c-4d5e-8f90-a1b2c3d4e5f1", "0f3c2a10-1b2c-4d5e-8f90-a1b2c3d4e5f2", "0f3c2a10-1b2c-4d5e-8f90-a1b2c3d4e5f3"], bodies.Select(b => (string?)b["traceId"]));
        Assert.Equal(["SINGLE", "DOUBLE", "LONG"], bodies.Select(b => (string?)b["clickType"]));
        // Without batchAcrossTopics the record's one topic belongs to every entry.
        Assert.All(bodies, b => Assert.Equal("iotbutton/G030JF055364XVRB", (string?)b["topic"]));
    }

    [Fact]
    public async Task With_batchAcrossTopics_each_entry_carries_its_own_topic()
    {
        var record = JsonNode.Parse(await File.ReadAllTextAsync(RepoFiles.Find("ButtonFunctions.Tests/Fixtures/error-action-record-batched.json")))!.AsObject();
        record.Remove("topic");
        var entries = record["payloadsWithMetadata"]!.AsArray();
        for (var i = 0; i < entries.Count; i++)
        {
            entries[i]!["topic"] = $"iotbutton/BUTTON{i}";
        }

        var file = Path.Combine(_dir, "across.json");
        await File.WriteAllTextAsync(file, record.ToJsonString());

        var read = Assert.Single(ErrorActionReader.Read([file]));
        var topics = read.Record!.ReplayItems(read.KeyTraceId).Select(i => (string?)Body(i.Message!)["topic"]);
        Assert.Equal(["iotbutton/BUTTON0", "iotbutton/BUTTON1", "iotbutton/BUTTON2"], topics);
    }

    [Fact]
    public void Entries_that_no_failure_names_are_not_replayed()
    {
        var messages = Enumerable.Range(0, 3).Select(i => SimulatorHarness.Click($"D{i}")).ToArray();
        var record = ErrorActionRecord.ForBatch(messages, acrossTopics: true, "rule", new Uri("https://func.example/api/clicks"), "failed") with
        {
            Failures = [new ErrorActionFailure([2], "HttpAction", "https://func.example/api/clicks", "failed")],
        };

        var items = record.ReplayItems(null);

        Assert.Equal([true, false, true], items.Select(i => i.NotFailed));
        Assert.Equal(messages[1].TraceId, items[1].Message!.TraceId);
    }

    [Fact]
    public async Task The_batched_record_the_sender_writes_has_the_documented_shape()
    {
        await using var harness = await SimulatorHarness.StartAsync((context, _) =>
        {
            context.Response.StatusCode = 503;
            return Task.CompletedTask;
        });
        var messages = Enumerable.Range(0, 3).Select(i => SimulatorHarness.Click($"B{i}")).ToArray();

        var report = await harness.Sender(tokens: null).SendAsync(messages, asBatch: true, CancellationToken.None, batchAcrossTopics: false);

        Assert.Equal(DeliveryOutcome.Failed, report.Outcome);
        var written = JsonNode.Parse(JsonSerializer.Serialize(Assert.Single(harness.Errors.Records)))!.AsObject();
        using var fixture = JsonDocument.Parse(await File.ReadAllTextAsync(RepoFiles.Find("ButtonFunctions.Tests/Fixtures/error-action-record-batched.json")));
        static string Names(IEnumerable<string> names) => string.Join(',', names.Order(StringComparer.Ordinal));
        Assert.Equal(Names(fixture.RootElement.EnumerateObject().Select(p => p.Name)), Names(written.Select(p => p.Key)));
        Assert.Equal(Names(fixture.RootElement.GetProperty("payloadsWithMetadata")[0].EnumerateObject().Select(p => p.Name)), Names(written["payloadsWithMetadata"]![0]!.AsObject().Select(p => p.Key)));
        Assert.Equal(Names(fixture.RootElement.GetProperty("failures")[0].EnumerateObject().Select(p => p.Name)), Names(written["failures"]![0]!.AsObject().Select(p => p.Key)));
        Assert.Equal([1, 2, 3], written["failures"]![0]!["affectedIds"]!.AsArray().Select(x => (int)x!));
        Assert.Equal(messages.Select(m => m.TraceId), written["payloadsWithMetadata"]!.AsArray().Select(e => (string?)e!["cloudwatchTraceId"]));
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
    public void A_missing_or_empty_folder_holds_nothing_to_replay()
    {
        Assert.Empty(ErrorActionReader.Read([_dir, Path.Combine(_dir, "no-such-folder")]));
    }

    [Fact]
    public async Task The_trace_id_in_the_object_key_wins_over_cloudwatchTraceId()
    {
        var message = SimulatorHarness.Click("KEYED");
        var ruleTraceId = Guid.NewGuid().ToString();
        // What the template's key writes: ${timestamp()}-${newuuid()}-traceid-${traceid()}.json
        var file = Path.Combine(_dir, $"1764064800123-{Guid.NewGuid()}{ErrorActionFolder.KeyTraceIdMarker}{ruleTraceId}.json");
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(Record(message)));

        var read = Assert.Single(ErrorActionReader.Read([_dir]));

        Assert.Equal(ruleTraceId, read.KeyTraceId);
        Assert.Equal(ruleTraceId, (string?)Body(Assert.Single(read.Record!.ReplayItems(read.KeyTraceId)).Message!)["traceId"]);
    }

    [Fact]
    public async Task The_folder_names_an_unbatched_record_after_its_trace_id_and_a_batched_one_not()
    {
        var folder = new ErrorActionFolder(_dir);
        var single = SimulatorHarness.Click("S");
        await folder.WriteAsync(Record(single), CancellationToken.None);
        await folder.WriteAsync(ErrorActionRecord.ForBatch([SimulatorHarness.Click("A"), SimulatorHarness.Click("B")], true, "rule", new Uri("https://x.example/"), "failed"), CancellationToken.None);

        var keys = ErrorActionReader.Read([_dir]).Select(r => (r.Record!.IsBatched, r.KeyTraceId)).OrderBy(k => k.IsBatched).ToArray();

        Assert.Equal([(false, single.TraceId), (true, (string?)null)], keys);
    }

    [Fact]
    public async Task Batched_entries_are_left_in_place_when_an_unbatched_record_shows_the_trace_ids_differ()
    {
        var stored = new ConcurrentBag<string>();
        await using var harness = await SimulatorHarness.StartAsync((context, request) =>
        {
            stored.Add((string)JsonNode.Parse(request.Body)!["traceId"]!);
            return SimulatorHarness.Created(context, request);
        });
        var unbatched = SimulatorHarness.Click("U");
        var ruleTraceId = Guid.NewGuid().ToString();
        await File.WriteAllTextAsync(Path.Combine(_dir, $"1-{Guid.NewGuid()}{ErrorActionFolder.KeyTraceIdMarker}{ruleTraceId}.json"), JsonSerializer.Serialize(Record(unbatched)));
        await new ErrorActionFolder(_dir).WriteAsync(ErrorActionRecord.ForBatch([SimulatorHarness.Click("A"), SimulatorHarness.Click("B")], true, "rule", harness.IngestUrl, "failed"), CancellationToken.None);

        var summary = await new Replayer(harness.Sender(tokens: null)).ReplayAsync(ErrorActionReader.Read([_dir]), null, CancellationToken.None);

        Assert.Equal((1, 0, 2), (summary.Replayed, summary.Duplicate, summary.Failed));
        Assert.Equal([ruleTraceId], stored);
        Assert.All(summary.Problems, p => Assert.Contains("cloudwatchTraceId differs from the rule's traceid()", p, StringComparison.Ordinal));
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
