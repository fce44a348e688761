using System.Text;
using System.Text.Json;
using ButtonSimulator.Delivery;
using Microsoft.AspNetCore.Http;

namespace ButtonFunctions.Tests.Simulator;

[Trait("Category", "Unit")]
public sealed class RetryPolicyTests
{
    private static Func<HttpContext, RecordedRequest, Task> Status(int status) => (context, _) =>
    {
        context.Response.StatusCode = status;
        return Task.CompletedTask;
    };

    [Theory]
    [InlineData(429)]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(503)]
    [InlineData(599)]
    public async Task Retryable_status_is_tried_three_times_then_goes_to_the_error_action(int status)
    {
        await using var harness = await SimulatorHarness.StartAsync(Status(status));
        var message = SimulatorHarness.Click();

        var report = await harness.Sender(tokens: null).SendAsync([message], asBatch: false, CancellationToken.None);

        Assert.Equal(DeliveryOutcome.Failed, report.Outcome);
        Assert.Equal(3, report.Attempts);
        Assert.Equal(2, report.Retries);
        Assert.Equal(3, harness.IngestRequests.Count());
        // The same message (same traceId) on every try.
        Assert.Single(harness.IngestRequests.Select(r => r.BodyText).Distinct());
        var record = Assert.Single(harness.Errors.Records);
        Assert.Equal(message.TraceId, record.CloudwatchTraceId);
        Assert.Equal(message.Topic, record.Topic);
        Assert.Equal("G030JF055364XVRB", record.ClientId);
        Assert.Equal(Convert.ToBase64String(message.OriginalPayload), record.Base64OriginalPayload);
        var failure = Assert.Single(record.Failures!);
        Assert.Equal("HttpAction", failure.FailedAction);
        Assert.Equal(harness.IngestUrl.AbsoluteUri, failure.FailedResource);
        Assert.Equal($"Failed to send message to HTTP endpoint. Received status code: {status}", failure.ErrorMessage);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(403)]
    [InlineData(404)]
    [InlineData(413)]
    [InlineData(415)]
    public async Task Other_4xx_is_not_retried(int status)
    {
        await using var harness = await SimulatorHarness.StartAsync(Status(status));

        var report = await harness.Sender(tokens: null).SendAsync([SimulatorHarness.Click()], asBatch: false, CancellationToken.None);

        Assert.Equal(DeliveryOutcome.Rejected, report.Outcome);
        Assert.Equal(1, report.Attempts);
        Assert.Single(harness.IngestRequests);
        Assert.Single(harness.Errors.Records);
    }

    [Fact]
    public async Task A_retry_that_succeeds_writes_no_error_record()
    {
        var calls = 0;
        await using var harness = await SimulatorHarness.StartAsync((context, request) =>
            Interlocked.Increment(ref calls) == 1 ? Status(503)(context, request) : SimulatorHarness.Created(context, request));

        var report = await harness.Sender(tokens: null).SendAsync([SimulatorHarness.Click()], asBatch: false, CancellationToken.None);

        Assert.Equal(DeliveryOutcome.Accepted, report.Outcome);
        Assert.Equal(2, report.Attempts);
        Assert.Empty(harness.Errors.Records);
    }

    [Fact]
    public async Task Timeouts_are_retried_at_most_twice()
    {
        await using var harness = await SimulatorHarness.StartAsync((context, _) => Task.Delay(Timeout.Infinite, context.RequestAborted));
        var policy = SimulatorHarness.FastPolicy with { RequestTimeout = TimeSpan.FromMilliseconds(200) };

        var report = await harness.Sender(tokens: null, policy).SendAsync([SimulatorHarness.Click()], asBatch: false, CancellationToken.None);

        Assert.Equal(DeliveryOutcome.Failed, report.Outcome);
        Assert.Equal(AttemptKind.Timeout, report.Last.Kind);
        Assert.Equal(3, report.Attempts);
        Assert.Equal("Failed to send message to HTTP endpoint. Request timed out", Assert.Single(harness.Errors.Records).Failures![0].ErrorMessage);
    }

    [Fact]
    public async Task A_response_over_16_KiB_is_not_retried_even_with_a_retryable_status()
    {
        await using var harness = await SimulatorHarness.StartAsync((context, _) =>
        {
            context.Response.StatusCode = 500;
            return context.Response.WriteAsync(new string('x', 16 * 1024 + 1));
        });

        var report = await harness.Sender(tokens: null).SendAsync([SimulatorHarness.Click()], asBatch: false, CancellationToken.None);

        Assert.Equal(AttemptKind.ResponseTooLarge, report.Last.Kind);
        Assert.Equal(1, report.Attempts);
        Assert.Single(harness.Errors.Records);
    }

    [Fact]
    public async Task A_closed_connection_is_not_retried()
    {
        await using var harness = await SimulatorHarness.StartAsync((context, _) =>
        {
            context.Abort();
            return Task.CompletedTask;
        });

        var report = await harness.Sender(tokens: null).SendAsync([SimulatorHarness.Click()], asBatch: false, CancellationToken.None);

        Assert.Equal(AttemptKind.ConnectionClosed, report.Last.Kind);
        Assert.Equal(1, report.Attempts);
        Assert.Single(harness.Errors.Records);
    }

    [Theory]
    [InlineData(429, true)]
    [InlineData(500, true)]
    [InlineData(599, true)]
    [InlineData(600, false)]
    [InlineData(499, false)]
    [InlineData(401, false)]
    [InlineData(408, false)]
    public void Only_429_and_5xx_are_retryable_statuses(int status, bool retryable) =>
        Assert.Equal(retryable, AwsRetryPolicy.IsRetryableStatus(status));

    [Fact]
    public async Task Accepted_answer_counts_stored_and_duplicates_from_the_body()
    {
        await using var harness = await SimulatorHarness.StartAsync((context, _) =>
        {
            context.Response.StatusCode = 201;
            return context.Response.WriteAsJsonAsync(new { stored = 1, duplicates = 1 });
        });
        var messages = new[] { SimulatorHarness.Click("A"), SimulatorHarness.Click("B") };

        var report = await harness.Sender(tokens: null).SendAsync(messages, asBatch: true, CancellationToken.None);

        Assert.Equal(DeliveryOutcome.Accepted, report.Outcome);
        Assert.Equal((1, 1), (report.Stored, report.Duplicates));
        using var body = JsonDocument.Parse(Encoding.UTF8.GetBytes(harness.IngestRequests.Single().BodyText));
        Assert.Equal(2, body.RootElement.GetArrayLength());
    }

    [Fact]
    public async Task A_partly_invalid_batch_counts_its_stored_clicks_and_goes_whole_to_the_error_action()
    {
        await using var harness = await SimulatorHarness.StartAsync((context, _) =>
        {
            context.Response.StatusCode = 400;
            context.Response.ContentType = "application/problem+json";
            return context.Response.WriteAsync("""{"type":"https://buttonfunctions.dev/problems/invalid-clicks","status":400,"stored":2,"duplicates":0,"errors":[{"index":2,"reason":"bad"}]}""");
        });
        var messages = new[] { SimulatorHarness.Click("A"), SimulatorHarness.Click("B"), SimulatorHarness.Click("C") };
        var statistics = new ButtonSimulator.Load.DeliveryStatistics();

        var report = await harness.Sender(tokens: null).SendAsync(messages, asBatch: true, CancellationToken.None);
        statistics.Record(report);

        Assert.Equal(DeliveryOutcome.Rejected, report.Outcome);
        Assert.Equal(1, report.Attempts);
        Assert.Equal((2, 1, 3), (statistics.Accepted, statistics.Rejected, statistics.FailedToErrorAction));
        // One batched record for the batch, naming all three entries as affected.
        var record = Assert.Single(harness.Errors.Records);
        Assert.Equal(messages.Select(m => m.TraceId), record.PayloadsWithMetadata!.Select(e => e.CloudwatchTraceId));
        Assert.Equal([1, 2, 3], record.Failures![0].AffectedIds!);
    }
}
