namespace ButtonFunctions.Clicks;

/// <summary>Stores clicks idempotently: a click whose id is already stored is acknowledged as a duplicate.</summary>
public interface IClickStore
{
    /// <summary>Stores what it can within the retry budget; never throws for store faults (they are outcomes).</summary>
    Task<ClickStoreResult> InsertAsync(IReadOnlyList<ClickEvent> clicks, CancellationToken cancellationToken);
}

/// <summary>How a store call ended as a whole.</summary>
public enum ClickStoreOutcome
{
    /// <summary>Every click is stored (now or before).</summary>
    Stored,

    /// <summary>Rate limited beyond the retry budget; try again (after <see cref="ClickStoreResult.RetryAfter"/>, the store's hint).</summary>
    Throttled,

    /// <summary>Store unreachable or too slow; try again.</summary>
    Unavailable,

    /// <summary>The store refused a click for a reason retrying will not fix.</summary>
    Failed,
}

/// <summary>What happened to one click.</summary>
public enum ClickWriteStatus
{
    NotStored,
    Inserted,

    /// <summary>
    /// Already stored (by an earlier try of the same message, or earlier in the same batch): the document under its id
    /// is the same click (<see cref="ClickFingerprint.IsSameClickAs"/>). A different click under the id is a collision,
    /// not a duplicate: the click is stored under <see cref="ClickId.ForCollision"/> instead.
    /// </summary>
    Duplicate,
}

/// <summary>Result of <see cref="IClickStore.InsertAsync"/>: the outcome and one status per click, in order.</summary>
public sealed record ClickStoreResult(ClickStoreOutcome Outcome, IReadOnlyList<ClickWriteStatus> Statuses, TimeSpan? RetryAfter = null)
{
    /// <summary>
    /// The id each click is stored under, in order, when the store knows it; it differs from the click's own id where
    /// that id was taken by a different click. Null means every click kept its own id.
    /// </summary>
    public IReadOnlyList<string>? Ids { get; init; }

    public int Inserted => Statuses.Count(s => s == ClickWriteStatus.Inserted);

    public int Duplicates => Statuses.Count(s => s == ClickWriteStatus.Duplicate);
}
