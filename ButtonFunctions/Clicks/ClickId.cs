using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ButtonFunctions.Clicks;

/// <summary>A click's stored id and occurrence time, and whether the id can recognise a retry of the same click.</summary>
/// <param name="IsFresh">The click carried nothing stable, so the id is new and a duplicate of it cannot be detected.</param>
internal readonly record struct ClickIdentity(string Id, DateTimeOffset OccurredAt, bool IsFresh);

/// <summary>Document ids that stay the same when AWS retries or replays a message, so a click is stored once.</summary>
internal static class ClickId
{
    /// <summary>
    /// The id: the rule's trace id when present; else a hash of device, click type and a stable time — the device's
    /// own time first, because it travels inside the original payload, so a replay of an error-action record (which
    /// carries the payload, not the rule's receivedAtMs) finds the same id — else the rule's receivedAtMs; else fresh.
    /// The occurrence time: the device's time, else the rule's receivedAtMs, else arrival.
    /// </summary>
    public static ClickIdentity Choose(
        string deviceId, string clickType, DateTimeOffset? deviceTime, long? ruleReceivedAtMs, string? traceId, DateTimeOffset receivedAt)
    {
        var ruleTime = ruleReceivedAtMs is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : (DateTimeOffset?)null;
        var occurredAt = deviceTime ?? ruleTime ?? receivedAt;
        var stableTime = deviceTime?.ToUnixTimeMilliseconds() ?? ruleReceivedAtMs;
        var id = traceId ?? (stableTime is { } t ? FromContent(deviceId, clickType, t) : null);
        return id is null ? new ClickIdentity(Fresh(), occurredAt, IsFresh: true) : new ClickIdentity(id, occurredAt, IsFresh: false);
    }

    /// <summary>
    /// SHA-256 (hex) of device, click type and a time in Unix milliseconds. Device ids cannot contain control
    /// characters (the parser refuses them), so the newline separators make the input unambiguous.
    /// </summary>
    public static string FromContent(string deviceId, string clickType, long unixMilliseconds)
    {
        var input = string.Create(CultureInfo.InvariantCulture, $"v1\n{deviceId}\n{clickType}\n{unixMilliseconds}");
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(input)));
    }

    /// <summary>A new id for a payload that carries nothing stable (duplicates of it cannot be detected).</summary>
    public static string Fresh() => Guid.CreateVersion7().ToString("N");
}
