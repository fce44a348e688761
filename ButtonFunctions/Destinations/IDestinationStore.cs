namespace ButtonFunctions.Destinations;

/// <summary>One attempt to confirm an AWS IoT topic rule destination, as recorded in the <c>destinations</c> collection.</summary>
/// <param name="Outcome">confirmed, not-followed or failed.</param>
/// <param name="Status">HTTP status of the confirmation GET, when one was made and answered.</param>
public sealed record DestinationConfirmationAttempt(string Arn, string? EnableUrlHost, string Outcome, int? Status, DateTimeOffset At);

/// <summary>Keeps an audit trail of destination confirmations.</summary>
public interface IDestinationStore
{
    /// <summary>Records the attempt; a store fault is logged, not thrown (the confirmation itself matters more).</summary>
    Task RecordAsync(DestinationConfirmationAttempt attempt, CancellationToken cancellationToken);
}
