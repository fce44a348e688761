using ButtonFunctions.Clicks;
using MongoDB.Bson;
using MongoDB.Driver;

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
            { "timeSource", TimeSourceName(click.TimeSource) },
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

    /// <summary>The fields <see cref="FingerprintOf"/> reads: what decides "same click" (<see cref="ClickFingerprint"/>).</summary>
    public static readonly ProjectionDefinition<BsonDocument> FingerprintFields = new BsonDocument
    {
        { "deviceId", 1 },
        { "clickType", 1 },
        { "occurredAt", 1 },
        { "timeSource", 1 },
        { "traceId", 1 },
    };

    /// <summary>The stored click's fingerprint; a field of an unexpected type reads as absent, so such a document never matches.</summary>
    public static ClickFingerprint FingerprintOf(BsonDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        string? Text(string name) => document.TryGetValue(name, out var value) && value.IsString ? value.AsString : null;
        var occurredAt = document.TryGetValue("occurredAt", out var at) && at.IsValidDateTime
            ? new DateTimeOffset(at.ToUniversalTime(), TimeSpan.Zero)
            : DateTimeOffset.MinValue;
        ClickTimeSource? source = Text("timeSource") switch
        {
            "device" => ClickTimeSource.Device,
            "rule" => ClickTimeSource.Rule,
            "arrival" => ClickTimeSource.Arrival,
            _ => null,
        };
        return new ClickFingerprint(Text("deviceId") ?? string.Empty, Text("clickType") ?? string.Empty, occurredAt, source, Text("traceId"));
    }

    private static string TimeSourceName(ClickTimeSource source) => source switch
    {
        ClickTimeSource.Device => "device",
        ClickTimeSource.Rule => "rule",
        _ => "arrival",
    };

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
