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
}
