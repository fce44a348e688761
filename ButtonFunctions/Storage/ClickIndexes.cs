using MongoDB.Bson;
using MongoDB.Driver;

namespace ButtonFunctions.Storage;

/// <summary>
/// The indexes of the <c>clicks</c> collection, declared once: the store creates them at start-up and
/// <c>infra/app/cosmos.bicep</c> declares the same keys (a test compares the two). Every key is ascending because
/// ARM index keys carry no direction; the newest-first reads walk them backwards (README, "Indexes").
/// </summary>
internal static class ClickIndexes
{
    private const int IndexNotFound = 27;

    /// <summary>Every device, newest first: <c>GET /api/clicks</c> without deviceId and the summary's range.</summary>
    public static readonly ClickIndex ByTime = new("occurredAt_1__id_1", ["occurredAt", "_id"]);

    /// <summary>One device, newest first: <c>GET /api/clicks?deviceId=</c>.</summary>
    public static readonly ClickIndex ByDeviceAndTime = new("deviceId_1_occurredAt_1__id_1", ["deviceId", "occurredAt", "_id"]);

    public static readonly IReadOnlyList<ClickIndex> All = [ByDeviceAndTime, ByTime];

    /// <summary>What earlier versions created; each is covered by one of <see cref="All"/> and would only make every insert dearer.</summary>
    public static readonly IReadOnlyList<BsonDocument> Superseded =
    [
        new BsonDocument { { "deviceId", 1 }, { "occurredAt", -1 } },
        new BsonDocument("occurredAt", -1),
    ];

    /// <summary>
    /// Creates the missing indexes and drops superseded ones; idempotent. Indexes are matched by key, not name,
    /// so an index the ARM template created (under whatever name Cosmos DB gives it) is never created twice.
    /// </summary>
    public static async Task EnsureAsync(IMongoCollection<BsonDocument> collection, CancellationToken cancellationToken)
    {
        var existing = await (await collection.Indexes.ListAsync(cancellationToken).ConfigureAwait(false))
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        var keys = existing.Select(i => i["key"].AsBsonDocument).ToList();
        var missing = All
            .Where(index => !keys.Exists(k => SameKey(k, index.Key)))
            .Select(index => new CreateIndexModel<BsonDocument>(index.Key, new CreateIndexOptions { Name = index.Name }))
            .ToList();
        if (missing.Count > 0)
        {
            await collection.Indexes.CreateManyAsync(missing, cancellationToken).ConfigureAwait(false);
        }

        foreach (var index in existing.Where(i => Superseded.Any(s => SameKey(s, i["key"].AsBsonDocument))))
        {
            try
            {
                await collection.Indexes.DropOneAsync(index["name"].AsString, cancellationToken).ConfigureAwait(false);
            }
            catch (MongoCommandException ex) when (ex.Code == IndexNotFound)
            {
                // Another instance dropped it first.
            }
        }
    }

    /// <summary>Same fields in the same order with the same directions (1, 1.0 and 1L are the same direction).</summary>
    internal static bool SameKey(BsonDocument a, BsonDocument b) =>
        a.ElementCount == b.ElementCount
        && a.Elements.Zip(b.Elements).All(p => p.First.Name == p.Second.Name
            && p.First.Value.IsNumeric && p.Second.Value.IsNumeric
            && Math.Sign(p.First.Value.ToDouble()) == Math.Sign(p.Second.Value.ToDouble()));
}

/// <summary>An all-ascending index of the clicks collection.</summary>
internal sealed record ClickIndex(string Name, IReadOnlyList<string> Fields)
{
    public BsonDocument Key => new(Fields.Select(f => new BsonElement(f, 1)));
}
