using System.Globalization;
using ButtonFunctions.Clicks;

namespace ButtonFunctions.Read;

/// <summary>A validated <c>GET /api/clicks</c> request.</summary>
public sealed record ClickListRequest(ClickFilter Filter, ClickPosition? After, int Limit);

/// <summary>Validates the query of <c>GET /api/clicks</c>; every refusal names its parameter.</summary>
internal static class ClickListQuery
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;

    /// <summary>Device ids are stored with at most 128 characters (the ingest limit).</summary>
    public const int MaxDeviceIdLength = 128;

    public static readonly IReadOnlyCollection<string> Parameters = ["deviceId", "clickType", "from", "to", "limit", "cursor"];

    public static ClickListRequest? Parse(string? rawQuery, out QueryError? error)
    {
        if (QueryParameters.Parse(rawQuery, Parameters, out error) is not { } query)
        {
            return null;
        }

        string? deviceId = null;
        if (query.TryGetValue("deviceId", out var device))
        {
            if (device.Length is 0 or > MaxDeviceIdLength || device.Any(char.IsControl))
            {
                error = new QueryError("deviceId", $"deviceId must be 1 to {MaxDeviceIdLength} characters without control characters.");
                return null;
            }

            deviceId = device;
        }

        string? clickType = null;
        if (query.TryGetValue("clickType", out var type))
        {
            clickType = KnownClickTypes.All.FirstOrDefault(t => string.Equals(t, type, StringComparison.OrdinalIgnoreCase));
            if (clickType is null)
            {
                error = new QueryError("clickType", "clickType must be SINGLE, DOUBLE or LONG.");
                return null;
            }
        }

        if (!TryRange(query, out var from, out var to, out error))
        {
            return null;
        }

        var limit = DefaultLimit;
        if (query.TryGetValue("limit", out var limitText)
            && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxLimit))
        {
            error = new QueryError("limit", $"limit must be a whole number from 1 to {MaxLimit}.");
            return null;
        }

        var filter = new ClickFilter(deviceId, clickType, from, to);
        ClickPosition? after = null;
        if (query.TryGetValue("cursor", out var cursor))
        {
            after = ClickCursor.Decode(cursor, filter, out var problem);
            if (after is null)
            {
                error = new QueryError("cursor", "cursor is " + problem + ".");
                return null;
            }
        }

        return new ClickListRequest(filter, after, limit);
    }

    /// <summary>Optional from (inclusive) and to (exclusive); when both are given from must come first.</summary>
    internal static bool TryRange(IReadOnlyDictionary<string, string> query, out DateTimeOffset? from, out DateTimeOffset? to, out QueryError? error)
    {
        from = to = null;
        error = null;
        foreach (var name in (string[])["from", "to"])
        {
            if (!query.TryGetValue(name, out var text))
            {
                continue;
            }

            if (!ReadTimestamps.TryParse(text, out var value, out var problem))
            {
                error = new QueryError(name, $"{name} is invalid: {problem}.");
                return false;
            }

            if (name == "from")
            {
                from = value;
            }
            else
            {
                to = value;
            }
        }

        if (from >= to)
        {
            error = new QueryError("from", "from must be earlier than to (from is inclusive, to exclusive).");
            return false;
        }

        return true;
    }
}
