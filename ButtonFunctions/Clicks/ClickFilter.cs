namespace ButtonFunctions.Clicks;

/// <summary>
/// Which stored clicks a reader wants: every part is optional and they combine with AND.
/// <see cref="From"/> is inclusive and <see cref="To"/> exclusive, both on <c>occurredAt</c>.
/// </summary>
public sealed record ClickFilter(string? DeviceId, string? ClickType, DateTimeOffset? From, DateTimeOffset? To)
{
    public static readonly ClickFilter None = new(null, null, null, null);
}

/// <summary>
/// A place in the newest-first order of clicks, (occurredAt, _id) descending: a page that continues from it
/// holds only clicks strictly after it in that order, so clicks arriving meanwhile are neither repeated nor skipped.
/// </summary>
public sealed record ClickPosition(DateTimeOffset OccurredAt, string Id);

/// <summary>The click types a stored click can have, as the read side filters and counts them.</summary>
public static class KnownClickTypes
{
    public const string SingleClick = "SINGLE";
    public const string DoubleClick = "DOUBLE";
    public const string LongPress = "LONG";

    public static readonly IReadOnlyList<string> All = [SingleClick, DoubleClick, LongPress];
}
