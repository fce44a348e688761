namespace ButtonSimulator.Delivery;

/// <summary>
/// The AWS IoT HTTP action's retry rules (docs/architecture.md, "AWS IoT"): at most 2 retries (3 tries), only after
/// HTTP 429, 500–599 or a timeout; any other status, a response over 16 KiB or a closed connection is final.
/// </summary>
internal sealed record AwsRetryPolicy
{
    /// <summary>The policy AWS applies.</summary>
    public static AwsRetryPolicy Aws { get; } = new();

    public int MaxAttempts { get; init; } = 3;

    /// <summary>About 4 s was reported; the AWS docs give no figure.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(4);

    /// <summary>AWS stops reading (and does not retry) larger responses.</summary>
    public int MaxResponseBytes { get; init; } = 16 * 1024;

    /// <summary>Pause before a retry (AWS does not document one; a short pause spares a struggling receiver).</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    public static bool IsRetryableStatus(int status) => status == 429 || status is >= 500 and <= 599;

    /// <summary>Whether the given attempt outcome is worth another try, given the 1-based attempt number.</summary>
    public bool ShouldRetry(AttemptOutcome outcome, int attempt) =>
        attempt < MaxAttempts && outcome.Kind switch
        {
            AttemptKind.Status => IsRetryableStatus(outcome.StatusCode),
            AttemptKind.Timeout => true,
            _ => false,
        };
}

internal enum AttemptKind
{
    Status,
    Timeout,
    ConnectionClosed,
    ResponseTooLarge,

    /// <summary>No access token for the Authorization header (in AWS: get_secret() failed); not retried.</summary>
    TokenUnavailable,

    /// <summary>The simulator was stopped (Ctrl+C) before an answer; AWS has no such case.</summary>
    Interrupted,
}

/// <summary>What one HTTP try ended with.</summary>
internal sealed record AttemptOutcome(AttemptKind Kind, int StatusCode = 0, string? Body = null)
{
    public bool IsSuccess => Kind == AttemptKind.Status && StatusCode is >= 200 and <= 299;

    /// <summary>The error message AWS writes into the error record's failures[].</summary>
    public string Describe() => Kind switch
    {
        AttemptKind.Status => $"Failed to send message to HTTP endpoint. Received status code: {StatusCode}",
        AttemptKind.Timeout => "Failed to send message to HTTP endpoint. Request timed out",
        AttemptKind.ResponseTooLarge => $"Failed to send message to HTTP endpoint. Response exceeded 16384 bytes (status code: {StatusCode})",
        AttemptKind.TokenUnavailable => $"Failed to evaluate the Authorization header: {Body}",
        AttemptKind.Interrupted => "Not delivered: the simulator was interrupted before the HTTP endpoint answered",
        _ => "Failed to send message to HTTP endpoint. Connection closed",
    };
}
