namespace ButtonFunctions.Clicks;

/// <summary>One button click, normalised from any accepted payload shape; stored as one document in <c>clicks</c>.</summary>
public sealed record ClickEvent
{
    /// <summary>Deterministic document id (<c>_id</c>): the rule's trace id, else a hash of device, click type and time.</summary>
    public required string Id { get; init; }

    /// <summary>serialNumber / deviceInfo.deviceId / deviceId; the shard key.</summary>
    public required string DeviceId { get; init; }

    /// <summary>SINGLE, DOUBLE or LONG (see <see cref="ClickTypes"/>).</summary>
    public required string ClickType { get; init; }

    /// <summary>reportedTime/timestamp, else the rule's receivedAtMs, else <see cref="ReceivedAt"/>.</summary>
    public required DateTimeOffset OccurredAt { get; init; }

    /// <summary>
    /// Which of those <see cref="OccurredAt"/> is. A device or rule time travels with the message (and its AWS
    /// retries), so it tells one click from another; an arrival time differs per try and tells nothing.
    /// </summary>
    public ClickTimeSource TimeSource { get; init; } = ClickTimeSource.Arrival;

    /// <summary>When the function accepted the click.</summary>
    public required DateTimeOffset ReceivedAt { get; init; }

    /// <summary>Which payload shape it came in (see <see cref="ClickSources"/>).</summary>
    public required string Source { get; init; }

    public int? BatteryMillivolts { get; init; }

    public double? RemainingLife { get; init; }

    public string? Topic { get; init; }

    public string? TraceId { get; init; }

    public ClickPlacement? Placement { get; init; }

    /// <summary>The authenticated client (Auth0 client id) that delivered the click, when known.</summary>
    public string? ClientId { get; init; }
}

/// <summary>Where a click's <see cref="ClickEvent.OccurredAt"/> comes from.</summary>
public enum ClickTimeSource
{
    /// <summary>The device's own time (reportedTime / timestamp).</summary>
    Device,

    /// <summary>The topic rule's receivedAtMs (the rules engine's clock).</summary>
    Rule,

    /// <summary>When the function received it: the message carried no time.</summary>
    Arrival,
}

/// <summary>Where an IoT 1-Click button was placed (its <c>placementInfo</c>).</summary>
public sealed record ClickPlacement(
    string? ProjectName,
    string? PlacementName,
    IReadOnlyDictionary<string, string> Attributes,
    IReadOnlyDictionary<string, string> Devices);

/// <summary>The click types a button reports, in their stored (upper case) spelling.</summary>
public static class ClickTypes
{
    public const string SingleClick = "SINGLE";
    public const string DoubleClick = "DOUBLE";
    public const string LongPress = "LONG";
}

/// <summary>Values of <see cref="ClickEvent.Source"/>: the payload shape a click came in.</summary>
public static class ClickSources
{
    public const string IotButton = "iot-button";
    public const string IotOneClick = "iot-1click";
    public const string MqttButton = "mqtt-button";
}
