using ButtonFunctions.Clicks;
using MongoDB.Bson;

namespace ButtonFunctions.Storage;

/// <summary>
/// Reads a stored click document (the shape <see cref="ClickDocument"/> writes) into <see cref="StoredClick"/>.
/// Tolerant of documents an older version wrote: a missing optional field stays null, a number of another
/// BSON width is converted.
/// </summary>
internal static class StoredClickDocument
{
    public static StoredClick FromBson(BsonDocument document) => new()
    {
        Id = document["_id"].ToString()!,
        DeviceId = String(document, "deviceId") ?? string.Empty,
        ClickType = String(document, "clickType") ?? string.Empty,
        OccurredAt = Date(document, "occurredAt") ?? DateTimeOffset.UnixEpoch,
        ReceivedAt = Date(document, "receivedAt") ?? Date(document, "occurredAt") ?? DateTimeOffset.UnixEpoch,
        Source = String(document, "source") ?? string.Empty,
        BatteryMillivolts = document.GetValue("batteryMillivolts", BsonNull.Value) is { IsNumeric: true } mv ? mv.ToInt32() : null,
        RemainingLife = document.GetValue("remainingLife", BsonNull.Value) is { IsNumeric: true } life ? life.ToDouble() : null,
        Topic = String(document, "topic"),
        TraceId = String(document, "traceId"),
        ClientId = String(document, "clientId"),
        Placement = document.GetValue("placement", BsonNull.Value) is BsonDocument placement
            ? new StoredPlacement(String(placement, "projectName"), String(placement, "placementName"), Map(placement, "attributes"), Map(placement, "devices"))
            : null,
    };

    private static string? String(BsonDocument document, string field) =>
        document.GetValue(field, BsonNull.Value) is BsonString s ? s.Value : null;

    private static DateTimeOffset? Date(BsonDocument document, string field) =>
        document.GetValue(field, BsonNull.Value) is BsonDateTime date
            ? DateTimeOffset.FromUnixTimeMilliseconds(date.MillisecondsSinceEpoch)
            : null;

    private static Dictionary<string, string> Map(BsonDocument document, string field)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (document.GetValue(field, BsonNull.Value) is BsonDocument values)
        {
            foreach (var element in values)
            {
                map[element.Name] = element.Value is BsonString s ? s.Value : element.Value.ToString()!;
            }
        }

        return map;
    }
}
