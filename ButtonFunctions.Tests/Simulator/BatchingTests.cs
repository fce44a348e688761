using System.Text.Json;
using ButtonSimulator.Delivery;
using ButtonSimulator.Payloads;
using Microsoft.Extensions.Time.Testing;

namespace ButtonFunctions.Tests.Simulator;

[Trait("Category", "Unit")]
public sealed class BatchingTests
{
    private sealed class Collected
    {
        public List<IReadOnlyList<IotMessage>> Batches { get; } = [];

        public Task Add(IReadOnlyList<IotMessage> batch)
        {
            lock (Batches)
            {
                Batches.Add(batch);
            }

            return Task.CompletedTask;
        }
    }

    [Fact]
    public async Task A_batch_is_sent_when_its_window_elapses()
    {
        var time = new FakeTimeProvider();
        var sent = new Collected();
        await using var batcher = new MessageBatcher(new BatchSettings(WindowMs: 20), sent.Add, time);

        batcher.Add(SimulatorHarness.Click("A"));
        time.Advance(TimeSpan.FromMilliseconds(5));
        batcher.Add(SimulatorHarness.Click("B"));
        batcher.Add(SimulatorHarness.Click("C"));
        time.Advance(TimeSpan.FromMilliseconds(14));
        Assert.Empty(sent.Batches);

        time.Advance(TimeSpan.FromMilliseconds(1));
        var batch = Assert.Single(sent.Batches);
        Assert.Equal(["A", "B", "C"], batch.Select(m => m.ClientId));
    }

    [Fact]
    public async Task A_batch_never_holds_more_than_max_messages()
    {
        var time = new FakeTimeProvider();
        var sent = new Collected();
        await using var batcher = new MessageBatcher(new BatchSettings(WindowMs: 200, MaxMessages: 10, MaxBytes: 131072), sent.Add, time);

        for (var i = 0; i < 25; i++)
        {
            batcher.Add(SimulatorHarness.Click($"D{i}"));
        }

        // Two full batches went at once, without waiting for the window.
        Assert.Equal([10, 10], sent.Batches.Select(b => b.Count));
        time.Advance(TimeSpan.FromMilliseconds(200));
        Assert.Equal([10, 10, 5], sent.Batches.Select(b => b.Count));
        Assert.Equal(Enumerable.Range(0, 25).Select(i => $"D{i}"), sent.Batches.SelectMany(b => b).Select(m => m.ClientId));
    }

    [Fact]
    public async Task A_batch_body_never_exceeds_max_bytes()
    {
        var time = new FakeTimeProvider();
        var sent = new Collected();
        var one = SimulatorHarness.Click("G030JF055364XVRB").RuleOutput.Length;
        var maxBytes = (3 * one) + 4; // room for three messages in an array, not four
        await using (var batcher = new MessageBatcher(new BatchSettings(WindowMs: 200, MaxMessages: 10, MaxBytes: maxBytes), sent.Add, time))
        {
            for (var i = 0; i < 10; i++)
            {
                batcher.Add(SimulatorHarness.Click("G030JF055364XVRB"));
            }
        }

        Assert.Equal([3, 3, 3, 1], sent.Batches.Select(b => b.Count));
        Assert.All(sent.Batches, b => Assert.True(HttpActionSender.BatchBody(b).Length <= maxBytes));
    }

    [Theory]
    [InlineData(4, 10, 5120)]
    [InlineData(201, 10, 5120)]
    [InlineData(20, 1, 5120)]
    [InlineData(20, 11, 5120)]
    [InlineData(20, 10, 99)]
    [InlineData(20, 10, 131073)]
    public void Settings_outside_the_AWS_limits_are_refused(int windowMs, int maxMessages, int maxBytes) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchSettings(windowMs, maxMessages, maxBytes).Validate());

    [Theory]
    [InlineData(5, 2, 100, new[] { 1, 1 })]          // every click alone is over 100 bytes: one per batch
    [InlineData(200, 10, 131072, new[] { 2 })]
    public async Task Settings_at_the_AWS_limits_are_accepted(int windowMs, int maxMessages, int maxBytes, int[] expected)
    {
        var time = new FakeTimeProvider();
        var sent = new Collected();
        await using (var batcher = new MessageBatcher(new BatchSettings(windowMs, maxMessages, maxBytes), sent.Add, time))
        {
            batcher.Add(SimulatorHarness.Click("A"));
            batcher.Add(SimulatorHarness.Click("B"));
        }

        Assert.Equal(expected, sent.Batches.Select(b => b.Count));
    }

    [Fact]
    public async Task Without_batchAcrossTopics_each_topic_is_batched_on_its_own()
    {
        var time = new FakeTimeProvider();
        var sent = new Collected();
        await using var batcher = new MessageBatcher(new BatchSettings(WindowMs: 20, MaxMessages: 2, AcrossTopics: false), sent.Add, time);

        batcher.Add(SimulatorHarness.Click("A"));
        batcher.Add(SimulatorHarness.Click("B"));
        batcher.Add(SimulatorHarness.Click("A"));

        // A's two clicks filled a batch; B's waits for its own window.
        var full = Assert.Single(sent.Batches);
        Assert.Equal(["A", "A"], full.Select(m => m.ClientId));
        time.Advance(TimeSpan.FromMilliseconds(20));
        Assert.Equal(["B"], sent.Batches[1].Select(m => m.ClientId));
    }

    [Fact]
    public async Task With_batchAcrossTopics_buttons_share_a_batch()
    {
        var time = new FakeTimeProvider();
        var sent = new Collected();
        await using var batcher = new MessageBatcher(new BatchSettings(WindowMs: 20, MaxMessages: 2, AcrossTopics: true), sent.Add, time);

        batcher.Add(SimulatorHarness.Click("A"));
        batcher.Add(SimulatorHarness.Click("B"));

        Assert.Equal(["A", "B"], Assert.Single(sent.Batches).Select(m => m.ClientId));
    }

    [Fact]
    public async Task A_batch_is_posted_as_a_JSON_array_with_the_headers_of_its_last_message()
    {
        await using var harness = await SimulatorHarness.StartAsync(SimulatorHarness.Created);
        var messages = Enumerable.Range(1, 3)
            .Select(i => SimulatorHarness.Click($"B{i}", new Dictionary<string, string> { ["x-sequence"] = i.ToString(System.Globalization.CultureInfo.InvariantCulture) }))
            .ToArray();

        var report = await harness.Sender(tokens: null).SendAsync(messages, asBatch: true, CancellationToken.None);

        Assert.Equal(3, report.Stored);
        var request = Assert.Single(harness.IngestRequests);
        Assert.Equal("3", request.Header("x-sequence"));
        Assert.StartsWith("application/json", request.Header("Content-Type"), StringComparison.Ordinal);
        using var body = JsonDocument.Parse(request.Body);
        Assert.Equal(JsonValueKind.Array, body.RootElement.ValueKind);
        var items = body.RootElement.EnumerateArray().ToArray();
        Assert.Equal(messages.Select(m => m.TraceId), items.Select(e => e.GetProperty("traceId").GetString()));
        // Each element is the rule SQL output: device payload plus topic, receivedAtMs and traceId (fixture http-batch.json).
        using var fixture = JsonDocument.Parse(File.ReadAllText(RepoFiles.Find("ButtonFunctions.Tests/Fixtures/http-batch.json")));
        var expectedFields = fixture.RootElement[0].EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal);
        Assert.All(items, e => Assert.Equal(expectedFields, e.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)));
    }
}
