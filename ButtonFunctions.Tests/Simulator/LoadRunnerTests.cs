using System.Text.Json.Nodes;
using ButtonFunctions.Tests.Support;
using ButtonSimulator.Delivery;
using ButtonSimulator.Load;
using ButtonSimulator.Payloads;

namespace ButtonFunctions.Tests.Simulator;

[Trait("Category", "Unit")]
public sealed class LoadRunnerTests
{
    [Fact]
    public async Task A_run_sends_buttons_times_rate_times_duration_clicks_with_one_token()
    {
        await using var harness = await SimulatorHarness.StartAsync(SimulatorHarness.Created);
        using var tokens = harness.Tokens();
        var runner = new LoadRunner(harness.Sender(tokens), new LoadSettings(Buttons: 5, ClicksPerSecondPerButton: 20, Duration: TimeSpan.FromMilliseconds(400)), TimeProvider.System);

        var summary = await runner.RunAsync(CancellationToken.None);

        Assert.Equal(40, summary.Statistics.Sent);
        Assert.Equal(40, summary.Statistics.Accepted);
        Assert.Equal(0, summary.Statistics.FailedToErrorAction);
        Assert.Equal(1, tokens.TokenRequests);
        // Every simulated button clicked.
        var devices = harness.IngestRequests.Select(r => System.Text.Json.Nodes.JsonNode.Parse(r.Body)!["serialNumber"]!.GetValue<string>()).Distinct();
        Assert.Equal(5, devices.Count());
    }

    [Fact]
    public async Task A_batched_run_posts_arrays_and_loses_no_click()
    {
        await using var harness = await SimulatorHarness.StartAsync(SimulatorHarness.Created);
        using var tokens = harness.Tokens();
        var settings = new LoadSettings(Buttons: 10, ClicksPerSecondPerButton: 20, Duration: TimeSpan.FromMilliseconds(300), ButtonShape.Mqtt, new BatchSettings(WindowMs: 50, MaxMessages: 10));
        var runner = new LoadRunner(harness.Sender(tokens), settings, TimeProvider.System);

        var summary = await runner.RunAsync(CancellationToken.None);

        Assert.Equal(60, summary.Statistics.Sent);
        Assert.Equal(60, summary.Statistics.Accepted);
        Assert.True(summary.Statistics.Requests < 60, $"{summary.Statistics.Requests} requests for 60 clicks");
        Assert.All(harness.IngestRequests, r => Assert.StartsWith("[", r.BodyText, StringComparison.Ordinal));
        Assert.Equal(60, harness.IngestRequests.Sum(r => System.Text.Json.JsonDocument.Parse(r.Body).RootElement.GetArrayLength()));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_stopped_run_accounts_for_every_click_and_writes_the_undelivered_ones_to_the_error_action(bool batched)
    {
        // The function answers the first three requests, then never again (a hung endpoint).
        var answered = new System.Collections.Concurrent.ConcurrentBag<string>();
        await using var harness = await SimulatorHarness.StartAsync(async (context, request) =>
        {
            if (answered.Count < 3)
            {
                foreach (var id in TraceIds(request))
                {
                    answered.Add(id);
                }

                await SimulatorHarness.Created(context, request);
                return;
            }

            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        });
        var settings = new LoadSettings(Buttons: 2, ClicksPerSecondPerButton: 20, Duration: TimeSpan.FromMinutes(1), Batching: batched ? new BatchSettings(WindowMs: 5, MaxMessages: 2) : null);
        var runner = new LoadRunner(harness.Sender(tokens: null), settings, TimeProvider.System);
        using var stop = new CancellationTokenSource();
        using var abort = new CancellationTokenSource();

        var run = runner.RunAsync(stop.Token, abort.Token);
        // Stop only once every answered click is counted, so none of them is still on its way back.
        await Eventually.TrueAsync(
            () => harness.IngestRequests.Count() >= 6 && answered.Count >= 3 && runner.Statistics.Accepted == answered.Count,
            TimeSpan.FromSeconds(30), "the run never reached six requests");
        await stop.CancelAsync();
        await abort.CancelAsync();
        var summary = await run.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(summary.Stopped);
        var s = summary.Statistics;
        Assert.Equal(answered.Count, s.Accepted);
        Assert.Equal(s.Sent, s.Accepted + s.FailedToErrorAction);
        Assert.Equal(s.FailedToErrorAction, s.Interrupted);
        var recorded = harness.Errors.Records
            .SelectMany(r => r.IsBatched ? r.PayloadsWithMetadata!.Select(e => e.CloudwatchTraceId!) : [r.CloudwatchTraceId!])
            .ToList();
        Assert.Equal(s.FailedToErrorAction, recorded.Count);
        Assert.Equal(recorded.Count, recorded.Distinct().Count());
        Assert.Empty(recorded.Intersect(answered));
        // Everything the function received and did not answer is in a record.
        var unanswered = harness.IngestRequests.SelectMany(TraceIds).Except(answered);
        Assert.Subset(recorded.ToHashSet(), unanswered.ToHashSet());
    }

    private static IEnumerable<string> TraceIds(RecordedRequest request) =>
        JsonNode.Parse(request.Body) is JsonArray batch ? batch.Select(m => (string)m!["traceId"]!) : [(string)JsonNode.Parse(request.Body)!["traceId"]!];
}
