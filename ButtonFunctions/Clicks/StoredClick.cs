namespace ButtonFunctions.Clicks;

/// <summary>
/// A click as the read side sees it in the <c>clicks</c> collection. Kept apart from the ingest model on purpose:
/// it describes what is stored (documents written by any version of the app), not what a payload may carry.
/// </summary>
public sealed record StoredClick
{
    public required string Id { get; init; }

    public required string DeviceId { get; init; }

    public required string ClickType { get; init; }

    public required DateTimeOffset OccurredAt { get; init; }

    public required DateTimeOffset ReceivedAt { get; init; }

    public required string Source { get; init; }

    public int? BatteryMillivolts { get; init; }

    public double? RemainingLife { get; init; }

    public string? Topic { get; init; }

    public string? TraceId { get; init; }

    public StoredPlacement? Placement { get; init; }

    public string? ClientId { get; init; }
}

/// <summary>An IoT 1-Click placement as stored with a click.</summary>
public sealed record StoredPlacement(
    string? ProjectName,
    string? PlacementName,
    IReadOnlyDictionary<string, string> Attributes,
    IReadOnlyDictionary<string, string> Devices);
