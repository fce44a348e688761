using ButtonFunctions.Destinations;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MongoDB.Bson;
using MongoDB.Driver;

namespace ButtonFunctions.Storage;

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
