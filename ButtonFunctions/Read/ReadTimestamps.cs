using System.Globalization;
using System.Text.RegularExpressions;

namespace ButtonFunctions.Read;

/// <summary>Parses and writes the read API's dates: ISO-8601 date-times with a zone in, UTC with milliseconds out.</summary>
internal static partial class ReadTimestamps
{
    /// <summary>The earliest date accepted: the summary buckets count milliseconds since the Unix epoch.</summary>
    public static readonly DateTimeOffset Earliest = DateTimeOffset.UnixEpoch;

    /// <summary>
    /// <c>2026-12-01T10:00:00Z</c>, <c>2026-12-01T10:00:00.250+01:00</c> (up to 7 fraction digits). A '+' that was not
    /// percent-encoded arrives as a space; a space right before the offset is read as '+', so a pasted URL still works.
    /// </summary>
    public static bool TryParse(string text, out DateTimeOffset value, out string? problem)
    {
        value = default;
        text = text.ToUpperInvariant(); // RFC 3339 allows a lower-case 't' and 'z'
        var match = Shape().Match(text);
        if (!match.Success)
        {
            problem = "expected an ISO-8601 date-time with a zone, e.g. 2026-12-01T10:00:00Z or 2026-12-01T11:00:00%2B01:00";
            return false;
        }

        var normalized = match.Groups["offset"].Value is var offset && offset.StartsWith(' ')
            ? string.Concat(text.AsSpan(0, match.Groups["offset"].Index), "+", offset.AsSpan(1))
            : text;
        if (!DateTimeOffset.TryParse(normalized, CultureInfo.InvariantCulture, DateTimeStyles.None, out value))
        {
            problem = "not a valid date-time (check the month, day, hour and offset)";
            return false;
        }

        if (value < Earliest)
        {
            problem = "dates before 1970-01-01T00:00:00Z are not accepted";
            return false;
        }

        problem = null;
        return true;
    }

    public static string Format(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,7})?(?<offset>Z|[+\- ][0-9]{2}:[0-9]{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex Shape();
}
