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
internal sealed record LoadSummary(DeliveryStatistics Statistics, TimeSpan Elapsed)
{
    public double AchievedClicksPerSecond => Elapsed.TotalSeconds > 0 ? Statistics.Sent / Elapsed.TotalSeconds : 0;
}

/// <summary>Generates clicks from simulated buttons on schedule and delivers them like the topic rule.</summary>
internal sealed class LoadRunner(HttpActionSender sender, LoadSettings settings, TimeProvider time)
{
    public DeliveryStatistics Statistics { get; } = new();

    public async Task<LoadSummary> RunAsync(CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.Buttons, 1);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(settings.ClicksPerSecondPerButton);
        var devices = Enumerable.Range(1, settings.Buttons).Select(i => $"G030SIM{i:D9}").ToArray();
        var totalRate = settings.Buttons * settings.ClicksPerSecondPerButton;
        var totalClicks = (long)Math.Round(totalRate * settings.Duration.TotalSeconds);
        using var inFlight = new SemaphoreSlim(settings.MaxInFlight);
        var sends = new List<Task>();
        var started = Stopwatch.GetTimestamp();

        async Task DeliverAsync(IReadOnlyList<IotMessage> messages, bool asBatch)
        {
            await inFlight.WaitAsync(ct);
            try
            {
                Statistics.Record(await sender.SendAsync(messages, asBatch, ct));
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
            for (long i = 0; i < totalClicks && !ct.IsCancellationRequested; i++)
            {
                var due = startedAt + TimeSpan.FromSeconds(i / totalRate);
                var wait = due - time.GetUtcNow();
                if (wait > TimeSpan.FromMilliseconds(1))
                {
                    await Task.Delay(wait, time, ct);
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

        return new LoadSummary(Statistics, Stopwatch.GetElapsedTime(started));
    }
}
