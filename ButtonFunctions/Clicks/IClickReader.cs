namespace ButtonFunctions.Clicks;

/// <summary>Reads stored clicks: pages for a timeline and summaries computed by the store itself.</summary>
public interface IClickReader
{
    /// <summary>
    /// Up to <paramref name="limit"/> clicks matching <paramref name="filter"/>, newest first, continuing after
    /// <paramref name="after"/> when given. Never throws for store faults (they are outcomes).
    /// </summary>
    Task<ReadResult<ClickPage>> ListAsync(ClickFilter filter, ClickPosition? after, int limit, CancellationToken cancellationToken);

    /// <summary>Per-device figures, totals and a click series for one time range, computed by the store.</summary>
    Task<ReadResult<ClickSummaryReport>> SummarizeAsync(SummaryRequest request, CancellationToken cancellationToken);
}
