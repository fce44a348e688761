using System.Text.Json;
using System.Text.Json.Serialization;
using ButtonFunctions.Clicks;

namespace ButtonFunctions.Read;

/// <summary>
/// The JSON bodies of the read API (CONTRACT: camelCase, dates as UTC ISO-8601 with milliseconds and "Z",
/// absent optional fields left out). Dates are written as strings here so the format never depends on a serializer default.
/// </summary>
internal static class ReadJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static ClickPageBody Page(ClickListRequest request, ClickPage page) => new(
        [.. page.Items.Select(Click)],
        page.Next is null ? null : ClickCursor.Encode(request.Filter, page.Next));

    public static ClickBody Click(StoredClick click) => new(
        click.Id,
        click.DeviceId,
        click.ClickType,
        ReadTimestamps.Format(click.OccurredAt),
        ReadTimestamps.Format(click.ReceivedAt),
        click.Source,
        click.BatteryMillivolts,
        click.RemainingLife,
        click.Topic,
        click.TraceId,
        click.Placement is { } p ? new PlacementBody(p.ProjectName, p.PlacementName, p.Attributes, p.Devices) : null,
        click.ClientId);

    public static SummaryBody Summary(SummaryRequest request, ClickSummaryReport report) => new(
        ReadTimestamps.Format(request.From),
        ReadTimestamps.Format(request.To),
        request.Bucket == SummaryBucket.Hour ? "hour" : "day",
        new ThresholdsBody(request.Thresholds.Millivolts, request.Thresholds.RemainingLife),
        new TotalsBody(report.Totals.Clicks, ByType(report.Totals.ByType), report.Totals.Devices, report.Totals.LowBatteryDevices),
        [.. report.Devices.Select(d => new DeviceBody(
            d.DeviceId,
            d.Total,
            ByType(d.ByType),
            ReadTimestamps.Format(d.FirstSeen),
            ReadTimestamps.Format(d.LastSeen),
            d.Battery is { } b ? new BatteryBody(b.Millivolts, b.RemainingLife, ReadTimestamps.Format(b.At), b.Low) : null))],
        report.DevicesTruncated,
        [.. SummaryQuery.FullSeries(request, report.Series).Select(p => new SeriesBody(ReadTimestamps.Format(p.Start), p.Clicks))]);

    private static ByTypeBody ByType(ClickTypeCounts counts) => new(counts.SingleClicks, counts.DoubleClicks, counts.LongPresses);
}

/// <summary>Body of <c>GET /api/clicks</c>.</summary>
internal sealed record ClickPageBody(
    IReadOnlyList<ClickBody> Items,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? NextCursor);

/// <summary>One stored click.</summary>
internal sealed record ClickBody(
    string Id,
    string DeviceId,
    string ClickType,
    string OccurredAt,
    string ReceivedAt,
    string Source,
    int? BatteryMillivolts,
    double? RemainingLife,
    string? Topic,
    string? TraceId,
    PlacementBody? Placement,
    string? ClientId);

internal sealed record PlacementBody(
    string? ProjectName,
    string? PlacementName,
    IReadOnlyDictionary<string, string> Attributes,
    IReadOnlyDictionary<string, string> Devices);

/// <summary>Body of <c>GET /api/clicks/summary</c>.</summary>
internal sealed record SummaryBody(
    string From,
    string To,
    string Bucket,
    ThresholdsBody Thresholds,
    TotalsBody Totals,
    IReadOnlyList<DeviceBody> Devices,
    bool DevicesTruncated,
    IReadOnlyList<SeriesBody> Series);

internal sealed record ThresholdsBody(int Millivolts, double RemainingLife);

internal sealed record TotalsBody(long Clicks, ByTypeBody ByType, long Devices, long LowBatteryDevices);

internal sealed record ByTypeBody(
    [property: JsonPropertyName("SINGLE")] long SingleClicks,
    [property: JsonPropertyName("DOUBLE")] long DoubleClicks,
    [property: JsonPropertyName("LONG")] long LongPresses);

internal sealed record DeviceBody(
    string DeviceId,
    long Total,
    ByTypeBody ByType,
    string FirstSeen,
    string LastSeen,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] BatteryBody? Battery);

internal sealed record BatteryBody(int? Millivolts, double? RemainingLife, string At, bool Low);

internal sealed record SeriesBody(string Start, long Clicks);
