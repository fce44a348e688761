using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ButtonFunctions.Ingest;

/// <summary>Document ids that stay the same when AWS retries or replays a message, so a click is stored once.</summary>
internal static class ClickId
{
    /// <summary>
    /// SHA-256 (hex) of device, click type and a time in Unix milliseconds. Device ids cannot contain
    /// control characters (the parser refuses them), so the newline separators make the input unambiguous.
    /// </summary>
    public static string FromContent(string deviceId, string clickType, long unixMilliseconds)
    {
        var input = string.Create(CultureInfo.InvariantCulture, $"v1\n{deviceId}\n{clickType}\n{unixMilliseconds}");
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(input)));
    }

    /// <summary>A new id for a payload that carries nothing stable (duplicates of it cannot be detected).</summary>
    public static string Fresh() => Guid.CreateVersion7().ToString("N");
}
