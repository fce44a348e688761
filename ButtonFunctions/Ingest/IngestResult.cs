using ButtonFunctions.Clicks;

namespace ButtonFunctions.Ingest;

/// <summary>Why a request body was refused as a whole (nothing in it was stored).</summary>
public enum IngestRefusal
{
    EmptyBody,
    InvalidJson,
    UnsupportedPayload,
    TooManyClicks,
}

/// <summary>One refused element of the request, by its position in the array (0 for a single object).</summary>
public sealed record ClickError(int Index, string Reason);

/// <summary>What became of one ingest request; <c>Functions/IngestClicks</c> alone turns it into an HTTP answer.</summary>
public abstract record IngestResult
{
    private IngestResult()
    {
    }

    /// <summary>The body could not be read as clicks at all.</summary>
    public sealed record Refused(IngestRefusal Reason, string Detail) : IngestResult;

    /// <summary>
    /// Every valid click is stored, now (<paramref name="Inserted"/>) or before (<paramref name="Duplicates"/>);
    /// <paramref name="Ids"/> are theirs in request order. <paramref name="Errors"/> lists the invalid clicks, which
    /// were not stored; <paramref name="Total"/> counts every element of the request.
    /// </summary>
    public sealed record Stored(int Total, int Inserted, int Duplicates, IReadOnlyList<string> Ids, IReadOnlyList<ClickError> Errors)
        : IngestResult;

    /// <summary>
    /// The store did not take every valid click within its retry budget (<paramref name="Outcome"/> says why); the
    /// clicks it did take count as duplicates when the sender retries. <paramref name="RetryAfter"/> is the store's
    /// hint, when it gave one.
    /// </summary>
    public sealed record NotStored(ClickStoreOutcome Outcome, int Inserted, int Duplicates, TimeSpan? RetryAfter) : IngestResult;
}
