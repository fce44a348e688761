using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MongoDB.Bson;
using MongoDB.Driver;

namespace ButtonFunctions.Storage;

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

internal sealed partial class DestinationStore(IMongoClient client, IOptions<MongoOptions> options, ILogger<DestinationStore> logger) : IDestinationStore
{
    private readonly IMongoCollection<BsonDocument> _collection =
        client.GetDatabase(options.Value.Database).GetCollection<BsonDocument>(options.Value.DestinationsCollection);

    public async Task RecordAsync(DestinationConfirmationAttempt attempt, CancellationToken cancellationToken)
    {
        var document = new BsonDocument
        {
            { "arn", attempt.Arn },
            { "enableUrlHost", attempt.EnableUrlHost, attempt.EnableUrlHost is not null },
            { "outcome", attempt.Outcome },
            { "status", attempt.Status, attempt.Status.HasValue },
            { "at", new BsonDateTime(attempt.At.UtcDateTime) },
        };
        try
        {
            await _collection.InsertOneAsync(document, options: null, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is MongoException or TimeoutException)
        {
            LogRecordFailed(logger, ex, attempt.Arn, attempt.Outcome);
        }
    }

    [LoggerMessage(EventId = 3220, Level = LogLevel.Warning, Message = "Could not record destination confirmation for {Arn} ({Outcome})")]
    private static partial void LogRecordFailed(ILogger logger, Exception exception, string arn, string outcome);
}
