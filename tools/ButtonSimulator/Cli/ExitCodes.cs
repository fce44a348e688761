namespace ButtonSimulator.Cli;

/// <summary>The simulator's exit codes (README, "Connect AWS IoT" → simulator).</summary>
internal static class ExitCodes
{
    /// <summary>Everything was delivered (or there was nothing to do).</summary>
    public const int Ok = 0;

    /// <summary>Something was not delivered (it went to the error action or could not be replayed), or the command line is invalid.</summary>
    public const int NotDelivered = 1;

    /// <summary>Could not start: no credentials, issuer unreachable or refusing, function unreachable, settings outside AWS's limits.</summary>
    public const int CannotStart = 2;

    /// <summary>Stopped with Ctrl+C (summary printed, undelivered messages written to the error action).</summary>
    public const int Interrupted = 130;
}
