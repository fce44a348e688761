namespace ButtonFunctions.Clicks;

/// <summary>How a read from the click store ended.</summary>
public enum ReadOutcome
{
    /// <summary>The answer is in <see cref="ReadResult{T}.Value"/>.</summary>
    Ok,

    /// <summary>Rate limited beyond the retry budget; try again (after <see cref="ReadResult{T}.RetryAfter"/>, the store's hint).</summary>
    Throttled,

    /// <summary>Store unreachable or too slow; try again.</summary>
    Unavailable,

    /// <summary>The store refused the query for a reason retrying will not fix (see the log).</summary>
    Failed,
}

/// <summary>The outcome of a read and, when <see cref="ReadOutcome.Ok"/>, its value.</summary>
public sealed record ReadResult<T>(ReadOutcome Outcome, T? Value, TimeSpan? RetryAfter = null)
    where T : class;

/// <summary>Factory for <see cref="ReadResult{T}"/>.</summary>
public static class ReadResult
{
    public static ReadResult<T> Ok<T>(T value)
        where T : class => new(ReadOutcome.Ok, value);
}
