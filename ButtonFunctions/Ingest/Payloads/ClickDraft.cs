using ButtonFunctions.Clicks;

namespace ButtonFunctions.Ingest.Payloads;

/// <summary>What one payload shape says about a click, before the rule's enrichment and the id are applied.</summary>
/// <param name="Source">Which shape it came in (see <see cref="ClickSources"/>).</param>
internal sealed record ClickDraft(string Source, string DeviceId, string ClickType)
{
    /// <summary>The device's own time of the click, when the shape carries one.</summary>
    public DateTimeOffset? DeviceTime { get; init; }

    /// <summary>The device wrote <see cref="DeviceTime"/> without fraction digits (a clock too coarse to tell clicks apart).</summary>
    public bool DeviceTimeWholeSeconds { get; init; }

    public int? BatteryMillivolts { get; init; }

    public double? RemainingLife { get; init; }

    public ClickPlacement? Placement { get; init; }
}
