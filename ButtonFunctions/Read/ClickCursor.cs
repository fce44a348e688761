using System.Buffers.Binary;
using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ButtonFunctions.Clicks;

namespace ButtonFunctions.Read;

/// <summary>
/// The opaque <c>cursor</c> of <c>GET /api/clicks</c>: the position of the last click of a page plus a fingerprint
/// of the filters it was made for, base64url-encoded. It is neither secret nor signed — it only carries a place in
/// the order, and altering it merely moves where the next page starts — but a cursor used with other filters is
/// refused, because its position would mean something else there.
/// </summary>
internal static class ClickCursor
{
    private const byte Version = 1;
    private const int FingerprintLength = 8;
    private const int HeaderLength = 1 + FingerprintLength + sizeof(long);

    /// <summary>Click ids are at most 128 characters (traceId limit); UTF-8 at most 4 bytes each.</summary>
    private const int MaxIdBytes = 512;

    public static string Encode(ClickFilter filter, ClickPosition position)
    {
        var id = Encoding.UTF8.GetBytes(position.Id);
        var bytes = new byte[HeaderLength + id.Length];
        bytes[0] = Version;
        Fingerprint(filter).CopyTo(bytes.AsSpan(1));
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(1 + FingerprintLength), position.OccurredAt.ToUnixTimeMilliseconds());
        id.CopyTo(bytes.AsSpan(HeaderLength));
        return Base64Url.EncodeToString(bytes);
    }

    /// <summary>The position in <paramref name="cursor"/>, or null with the reason when it is malformed or made for other filters.</summary>
    public static ClickPosition? Decode(string cursor, ClickFilter filter, out string? problem)
    {
        problem = "not a cursor this API issued; pass nextCursor from a previous answer unchanged";
        if (cursor.Length == 0 || cursor.Length > (HeaderLength + MaxIdBytes) * 4 / 3 + 4 || !TryFromBase64Url(cursor, out var bytes)
            || bytes.Length <= HeaderLength || bytes[0] != Version)
        {
            return null;
        }

        if (!bytes.AsSpan(1, FingerprintLength).SequenceEqual(Fingerprint(filter)))
        {
            problem = "the cursor was issued for other filters; use it with the same deviceId, clickType, from and to";
            return null;
        }

        var millis = BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(1 + FingerprintLength));
        string id;
        try
        {
            id = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes, HeaderLength, bytes.Length - HeaderLength);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }

        if (millis < DateTimeOffset.MinValue.ToUnixTimeMilliseconds() || millis > DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())
        {
            return null;
        }

        problem = null;
        return new ClickPosition(DateTimeOffset.FromUnixTimeMilliseconds(millis), id);
    }

    private static byte[] Fingerprint(ClickFilter filter)
    {
        // Dates by instant, so the same range written with another offset is the same filter; newlines cannot
        // occur in the parts (device ids refuse control characters), so the text is unambiguous.
        var canonical = string.Create(CultureInfo.InvariantCulture,
            $"v1\n{filter.DeviceId}\n{filter.ClickType}\n{filter.From?.UtcTicks}\n{filter.To?.UtcTicks}");
        return SHA256.HashData(Encoding.UTF8.GetBytes(canonical))[..FingerprintLength];
    }

    private static bool TryFromBase64Url(string text, out byte[] bytes)
    {
        bytes = [];

        // Base64Url.IsValid skips white space; a cursor never has any.
        if (text.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')) || !Base64Url.IsValid(text, out var length))
        {
            return false;
        }

        bytes = new byte[length];
        return Base64Url.TryDecodeFromChars(text, bytes, out var written) && written == length;
    }
}
