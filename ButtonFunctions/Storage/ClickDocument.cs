using ButtonFunctions.Clicks;
using MongoDB.Bson;

namespace ButtonFunctions.Storage;

/// <summary>The stored shape of a click (README "HTTP API", docs/architecture.md); optional fields are left out rather than stored as null.</summary>
internal static class ClickDocument
{
    public static BsonDocument ToBson(ClickEvent click)
    {
        var document = new BsonDocument
        {
            { "_id", click.Id },
            { "deviceId", click.DeviceId },
            { "clickType", click.ClickType },
            { "occurredAt", new BsonDateTime(click.OccurredAt.UtcDateTime) },
            { "receivedAt", new BsonDateTime(click.ReceivedAt.UtcDateTime) },
            { "source", click.Source },
            { "batteryMillivolts", click.BatteryMillivolts, click.BatteryMillivolts.HasValue },
            { "remainingLife", click.RemainingLife, click.RemainingLife.HasValue },
            { "topic", click.Topic, click.Topic is not null },
            { "traceId", click.TraceId, click.TraceId is not null },
            { "clientId", click.ClientId, click.ClientId is not null },
        };

        if (click.Placement is { } placement)
        {
            document.Add("placement", new BsonDocument
            {
                { "projectName", placement.ProjectName, placement.ProjectName is not null },
                { "placementName", placement.PlacementName, placement.PlacementName is not null },
                { "attributes", ToBson(placement.Attributes) },
                { "devices", ToBson(placement.Devices) },
            });
        }

        return document;
    }

    private static BsonDocument ToBson(IReadOnlyDictionary<string, string> map)
    {
        var document = new BsonDocument();
        foreach (var (key, value) in map)
        {
            document.Add(key, value);
        }

        return document;
    }
}
