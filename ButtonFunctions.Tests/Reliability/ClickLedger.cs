using System.Collections.Concurrent;
using ButtonSimulator.Delivery;
using ButtonSimulator.Load;
using ButtonSimulator.Payloads;

namespace ButtonFunctions.Tests.Reliability;

/// <summary>
/// The simulator's side of the reconciliation: every click it generated, by the trace id the rule SQL gave it
/// (which the function stores as the click's id), with how its delivery ended.
/// </summary>
internal sealed class ClickLedger : IDeliveryLedger
{
    private readonly ConcurrentDictionary<string, DeliveryOutcome> _outcomes = new(StringComparer.Ordinal);
    private int _deliveries;
    private int _gaveUpDeliveries;
    private int _reusedTraceIds;
    private int _retries;

    /// <summary>Requests delivered so far (each one message or one batch, retries included in one).</summary>
    public int Deliveries => Volatile.Read(ref _deliveries);

    /// <summary>Deliveries that ended in the error action (out of retries, refused or cut short).</summary>
    public int GaveUpDeliveries => Volatile.Read(ref _gaveUpDeliveries);

    /// <summary>Trace ids seen in more than one generated click: must stay 0, or reconciling by id means nothing.</summary>
    public int ReusedTraceIds => Volatile.Read(ref _reusedTraceIds);

    /// <summary>Tries after the first, over all deliveries.</summary>
    public int Retries => Volatile.Read(ref _retries);

    public int Count => _outcomes.Count;

    public IReadOnlySet<string> Sent => _outcomes.Keys.ToHashSet(StringComparer.Ordinal);

    /// <summary>Clicks of deliveries the function answered 2xx: each must be stored.</summary>
    public IReadOnlySet<string> Accepted => Where(o => o is DeliveryOutcome.Accepted or DeliveryOutcome.Duplicate);

    /// <summary>Clicks the simulator gave up on: each must be in an error-action record.</summary>
    public IReadOnlySet<string> GaveUp => Where(o => o is not (DeliveryOutcome.Accepted or DeliveryOutcome.Duplicate));

    public void Record(IReadOnlyList<IotMessage> messages, DeliveryReport report)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(report);
        foreach (var message in messages)
        {
            if (!_outcomes.TryAdd(message.TraceId, report.Outcome))
            {
                Interlocked.Increment(ref _reusedTraceIds);
            }
        }

        Interlocked.Add(ref _retries, report.Retries);
        if (report.Outcome is not (DeliveryOutcome.Accepted or DeliveryOutcome.Duplicate))
        {
            Interlocked.Increment(ref _gaveUpDeliveries);
        }

        Interlocked.Increment(ref _deliveries);
    }

    private HashSet<string> Where(Func<DeliveryOutcome, bool> predicate) =>
        _outcomes.Where(p => predicate(p.Value)).Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
}
