namespace ButtonFunctions.Clicks;

/// <summary>
/// One page of stored clicks, newest first. <see cref="Next"/> is the position of the last item when older
/// clicks exist, and null on the last page.
/// </summary>
public sealed record ClickPage(IReadOnlyList<StoredClick> Items, ClickPosition? Next);
