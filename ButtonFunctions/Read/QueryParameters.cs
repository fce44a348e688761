namespace ButtonFunctions.Read;

/// <summary>A query parameter the read API refuses, and why (the 400 answer names it).</summary>
public sealed record QueryError(string Parameter, string Detail);

/// <summary>
/// Splits a raw query string into parameters by exact (case-sensitive) name. ASP.NET Core's own query collection
/// folds names case-insensitively, which would turn <c>deviceId=a&amp;DeviceID=b</c> into one parameter; here
/// every name must be one of the allowed ones and may appear once.
/// </summary>
internal static class QueryParameters
{
    public static IReadOnlyDictionary<string, string>? Parse(string? rawQuery, IReadOnlyCollection<string> allowed, out QueryError? error)
    {
        error = null;
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var query = rawQuery is { Length: > 0 } && rawQuery[0] == '?' ? rawQuery[1..] : rawQuery ?? string.Empty;

        // Parsing stops at the first refused parameter, and the host bounds the request line (Kestrel: 8 KiB).
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Decode(equals < 0 ? pair : pair[..equals]);
            var value = equals < 0 ? string.Empty : Decode(pair[(equals + 1)..]);
            if (!allowed.Contains(name))
            {
                error = new QueryError(name, $"Unknown parameter '{name}'. Allowed: {string.Join(", ", allowed)}.");
                return null;
            }

            if (!values.TryAdd(name, value))
            {
                error = new QueryError(name, $"The parameter '{name}' is given more than once.");
                return null;
            }
        }

        return values;
    }

    // In a query string '+' stands for a space (application/x-www-form-urlencoded), as browsers and curl send it.
    private static string Decode(string part) => Uri.UnescapeDataString(part.Replace('+', ' '));
}
