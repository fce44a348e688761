namespace ButtonFunctions.Ingest.Payloads;

/// <summary>Bounds on what a click may carry; each keeps a stored document small and every field usable.</summary>
internal static class PayloadLimits
{
    /// <summary>The deepest legitimate payload (array → 1-Click → placementInfo → attributes) is 4 levels.</summary>
    public const int MaxDepth = 16;
    public const int MaxDeviceIdLength = 128;
    public const int MaxTraceIdLength = 128;
    public const int MaxTopicLength = 256;
    public const int MaxNameLength = 128;

    /// <summary>AWS IoT 1-Click allows 50 placement attributes with values of up to 800 characters (empty = cleared).</summary>
    public const int MaxMapEntries = 50;
    public const int MaxMapValueLength = 800;
    public const int MaxMillivolts = 10_000;

    /// <summary>Earliest plausible click time; a device with an unset clock reports 1970.</summary>
    public static readonly DateTimeOffset EarliestTime = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>How far ahead of arrival a device or rules-engine clock may be.</summary>
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromDays(1);
}
