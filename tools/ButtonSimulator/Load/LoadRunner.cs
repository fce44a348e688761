using System.Diagnostics;
using ButtonSimulator.Delivery;
using ButtonSimulator.Payloads;

namespace ButtonSimulator.Load;

/// <summary>How `run` clicks: N buttons, each clicking at a rate, for a duration, optionally batched.</summary>
internal sealed record LoadSettings(
    int Buttons,
    double ClicksPerSecondPerButton,
    TimeSpan Duration,
    ButtonShape Shape = ButtonShape.Classic,
    BatchSettings? Batching = null,
    int MaxInFlight = 256);

/// <summary>Result of a load run.</summary>
/// <param name="Stopped">Whether the run was stopped (Ctrl+C) before its duration.</param>
internal sealed record LoadSummary(DeliveryStatistics Statistics, TimeSpan Elapsed, bool Stopped = false)
{
    public double AchievedClicksPerSecond => Elapsed.TotalSeconds > 0 ? Statistics.Sent / Elapsed.TotalSeconds : 0;
}

/// <summary>Told of every delivery with the messages it carried, so a caller can account for each click by its trace id.</summary>
internal interface IDeliveryLedger
{
    void Record(IReadOnlyList<IotMessage> messages, DeliveryReport report);
}

/// <summary>Generates clicks from simulated buttons on schedule and delivers them like the topic rule.</summary>
/// <param name="ledger">Optional: receives every delivery's messages and report (the reliability suite reconciles them with the store).</param>
internal sealed class LoadRunner(HttpActionSender sender, LoadSettings settings, TimeProvider time, IDeliveryLedger? ledger = null)
{
    public DeliveryStatistics Statistics { get; } = new();

    public Task<LoadSummary> RunAsync(CancellationToken ct) => RunAsync(ct, ct);

    /// <summary>
    /// Clicks until the duration ends or <paramref name="stop"/> is cancelled, then sends what is batched and
    /// waits for every delivery. Deliveries still running when <paramref name="abort"/> is cancelled end as
    /// interrupted and go to the error action, so every click generated is accounted for in the statistics
    /// and, if not delivered, in an error-action record.
    /// </summary>
    public async Task<LoadSummary> RunAsync(CancellationToken stop, CancellationToken abort)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.Buttons, 1);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(settings.ClicksPerSecondPerButton);
        var devices = Enumerable.Range(1, settings.Buttons).Select(i => $"G030SIM{i:D9}").ToArray();
        var totalRate = settings.Buttons * settings.ClicksPerSecondPerButton;
        var totalClicks = (long)Math.Round(totalRate * settings.Duration.TotalSeconds);
        using var inFlight = new SemaphoreSlim(settings.MaxInFlight);
        var sends = new List<Task>();
        var started = Stopwatch.GetTimestamp();
        var acrossTopics = settings.Batching?.AcrossTopics ?? false;

        async Task DeliverAsync(IReadOnlyList<IotMessage> messages, bool asBatch)
        {
            // No cancellation here: a message that waits for a slot must still be sent or recorded.
            await inFlight.WaitAsync(CancellationToken.None);
            try
            {
                var report = await sender.SendAsync(messages, asBatch, abort, acrossTopics);
                Statistics.Record(report);
                ledger?.Record(messages, report);
            }
            finally
            {
                inFlight.Release();
            }
        }

        var batcher = settings.Batching is null ? null : new MessageBatcher(settings.Batching, batch => DeliverAsync(batch, asBatch: true), time);
        try
        {
            var startedAt = time.GetUtcNow();
            for (long i = 0; i < totalClicks && !stop.IsCancellationRequested; i++)
            {
                var due = startedAt + TimeSpan.FromSeconds(i / totalRate);
                var wait = due - time.GetUtcNow();
                if (wait > TimeSpan.FromMilliseconds(1))
                {
                    try
                    {
                        await Task.Delay(wait, time, stop);
                    }
                    catch (OperationCanceledException) when (stop.IsCancellationRequested)
                    {
                        break;
                    }
                }

                // Mostly single clicks, like people use buttons.
                var type = (i % 10) switch { 8 => ClickType.Double, 9 => ClickType.Long, _ => ClickType.Single };
                var message = ClickPayloads.Click(settings.Shape, devices[i % devices.Length], type, time.GetUtcNow());
                if (batcher is not null)
                {
                    batcher.Add(message);
                }
                else
                {
                    sends.Add(DeliverAsync([message], asBatch: false));
                    if (sends.Count > 4 * settings.MaxInFlight)
                    {
                        sends.RemoveAll(t => t.IsCompleted);
                    }
                }
            }
        }
        finally
        {
            if (batcher is not null)
            {
                await batcher.DisposeAsync();
            }

            await Task.WhenAll(sends);
        }

        return new LoadSummary(Statistics, Stopwatch.GetElapsedTime(started), stop.IsCancellationRequested);
    }
}
