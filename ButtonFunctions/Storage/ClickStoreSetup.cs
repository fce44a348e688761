namespace ButtonFunctions.Storage;

/// <summary>Where the click store's start-up work stands.</summary>
internal enum StoreSetupStatus
{
    /// <summary>Not done yet: not tried, or the last try met a fault that may pass (the store down, a timeout).</summary>
    Pending,

    /// <summary>The server is supported and, unless Mongo:CreateIndexes is off, the click indexes exist.</summary>
    Ready,

    /// <summary>A fault that retrying cannot fix (an unsupported server, an index conflict, no right to create indexes).</summary>
    Failed,
}

/// <summary>One reading of <see cref="ClickStoreSetup"/>; the description is shown to anonymous callers of <c>?ready</c>.</summary>
internal sealed record StoreSetupState(StoreSetupStatus Status, string Description);

/// <summary>
/// The state of the click store's start-up work, written by <see cref="ClickStoreInitializer"/> and read by the readiness
/// check: one instance per app. Descriptions name the kind of fault (exception type, error code name), never the server's text.
/// </summary>
internal sealed class ClickStoreSetup
{
    private readonly TaskCompletionSource _firstAttempt = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile StoreSetupState _current = new(StoreSetupStatus.Pending, "The click store's start-up check has not run yet.");

    public StoreSetupState Current => _current;

    /// <summary>Completes when the first try has ended, whichever way: readiness waits for it rather than reporting a start-up race.</summary>
    public Task FirstAttemptEnded => _firstAttempt.Task;

    internal void Report(StoreSetupStatus status, string description)
    {
        _current = new StoreSetupState(status, description);
        _firstAttempt.TrySetResult();
    }
}
