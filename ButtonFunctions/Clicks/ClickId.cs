using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ButtonFunctions.Clicks;

/// <summary>A click's stored id and occurrence time, and whether the id can recognise a retry of the same click.</summary>
/// <param name="IsFresh">The click carried nothing stable, so the id is new and a duplicate of it cannot be detected.</param>
internal readonly record struct ClickIdentity(string Id, DateTimeOffset OccurredAt, ClickTimeSource TimeSource, bool IsFresh);

/// <summary>
/// Document ids that stay the same when AWS retries or replays a message, so a click is stored once. The scheme, in
/// order (README "POST /api/clicks", docs/architecture.md "Click ids"):
/// <list type="number">
/// <item>the rule's <c>traceId</c>, when present;</item>
/// <item>else, with a device time: SHA-256 of <c>v1\ndevice\nclickType\ndeviceTimeMs</c> — and when that time has whole
/// seconds only and the rule's <c>receivedAtMs</c> is present, of <c>v1\ndevice\nclickType\ndeviceTimeMs\nreceivedAtMs</c>,
/// because a coarse device clock gives two clicks in one second the same time;</item>
/// <item>else, with the rule's <c>receivedAtMs</c>: SHA-256 of <c>v1\ndevice\nclickType\nreceivedAtMs</c>;</item>
/// <item>else a fresh UUIDv7 (a retry of it cannot be recognised).</item>
/// </list>
/// An id already taken by a different click (<see cref="ClickFingerprint.IsSameClickAs"/> says no) is replaced by
/// <see cref="ForCollision"/>, which is derived from the click itself, so a retry of that click finds it again.
/// </summary>
internal static class ClickId
{
    /// <summary>The id, occurrence time and its source of a click (see the class summary for the scheme).</summary>
    /// <param name="deviceTimeWholeSeconds">The device wrote its time without fraction digits.</param>
    public static ClickIdentity Choose(
        string deviceId, string clickType, DateTimeOffset? deviceTime, bool deviceTimeWholeSeconds, long? ruleReceivedAtMs, string? traceId,
        DateTimeOffset receivedAt)
    {
        var (occurredAt, source) = deviceTime is { } device ? (device, ClickTimeSource.Device)
            : ruleReceivedAtMs is { } ms ? (DateTimeOffset.FromUnixTimeMilliseconds(ms), ClickTimeSource.Rule)
            : (receivedAt, ClickTimeSource.Arrival);

        // The device's own time first: it travels inside the original payload, so a replay of an error-action record
        // (which carries the payload, not the rule's receivedAtMs) finds the same id — unless the device clock is too
        // coarse to tell clicks apart, where the rule's time must be part of the id.
        var id = traceId
            ?? (deviceTime is { } d
                ? deviceTimeWholeSeconds && ruleReceivedAtMs is { } rule
                    ? FromContent(deviceId, clickType, d.ToUnixTimeMilliseconds(), rule)
                    : FromContent(deviceId, clickType, d.ToUnixTimeMilliseconds())
                : ruleReceivedAtMs is { } r ? FromContent(deviceId, clickType, r) : null);
        return id is null
            ? new ClickIdentity(Fresh(), occurredAt, source, IsFresh: true)
            : new ClickIdentity(id, occurredAt, source, IsFresh: false);
    }

    /// <summary>
    /// SHA-256 (lower-case hex) of device, click type and one or more times in Unix milliseconds. Device ids cannot
    /// contain control characters (the parser refuses them), so the newline separators make the input unambiguous.
    /// </summary>
    public static string FromContent(string deviceId, string clickType, long unixMilliseconds, params ReadOnlySpan<long> moreUnixMilliseconds)
    {
        var input = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"v1\n{deviceId}\n{clickType}\n{unixMilliseconds}"));
        foreach (var more in moreUnixMilliseconds)
        {
            input.Append(CultureInfo.InvariantCulture, $"\n{more}");
        }

        return Hash(input.ToString());
    }

    /// <summary>
    /// The id of a click whose own id is taken by a different click: SHA-256 of
    /// <c>v1-collision\nid\ndevice\nclickType\nstableTimeMs\ntraceId</c> (an absent time or trace id is empty). It is made of
    /// exactly what <see cref="ClickFingerprint.IsSameClickAs"/> compares, so a document found under it is the same click.
    /// </summary>
    public static string ForCollision(ClickEvent click)
    {
        ArgumentNullException.ThrowIfNull(click);
        var stableTime = click.TimeSource == ClickTimeSource.Arrival
            ? string.Empty
            : click.OccurredAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        return Hash($"v1-collision\n{click.Id}\n{click.DeviceId}\n{click.ClickType}\n{stableTime}\n{click.TraceId}");
    }

    /// <summary>A new id for a payload that carries nothing stable (duplicates of it cannot be detected).</summary>
    public static string Fresh() => Guid.CreateVersion7().ToString("N");

    private static string Hash(string input) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(input)));
}

/// <summary>
/// What decides whether two clicks under one id are the same click: device, click type, the occurrence time when both
/// carry a stable one (device or rule time; an arrival time differs per try), and the trace id when both have one.
/// A stored document carries each of these (<c>deviceId</c>, <c>clickType</c>, <c>occurredAt</c>, <c>timeSource</c>,
/// <c>traceId</c>), so the store can decide from the document alone. A document written before <c>timeSource</c>
/// existed counts as having no stable time.
/// </summary>
public sealed record ClickFingerprint(string DeviceId, string ClickType, DateTimeOffset OccurredAt, ClickTimeSource? TimeSource, string? TraceId)
{
    public static ClickFingerprint Of(ClickEvent click)
    {
        ArgumentNullException.ThrowIfNull(click);
        return new ClickFingerprint(click.DeviceId, click.ClickType, click.OccurredAt, click.TimeSource, click.TraceId);
    }

    private bool HasStableTime => TimeSource is ClickTimeSource.Device or ClickTimeSource.Rule;

    /// <summary>Whether a retry, replay or redelivery could have produced both (times compared in milliseconds, as stored).</summary>
    public bool IsSameClickAs(ClickFingerprint other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return string.Equals(DeviceId, other.DeviceId, StringComparison.Ordinal)
            && string.Equals(ClickType, other.ClickType, StringComparison.Ordinal)
            && (!HasStableTime || !other.HasStableTime || OccurredAt.ToUnixTimeMilliseconds() == other.OccurredAt.ToUnixTimeMilliseconds())
            && (TraceId is null || other.TraceId is null || string.Equals(TraceId, other.TraceId, StringComparison.Ordinal));
    }
}
