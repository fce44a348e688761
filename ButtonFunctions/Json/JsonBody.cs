using System.Text.Json;
using System.Text.Unicode;

namespace ButtonFunctions.Json;

/// <summary>Why a body could not be read as JSON at all.</summary>
internal enum JsonBodyError
{
    None,
    Empty,
    Invalid,
}

/// <summary>
/// Strict reading of a JSON request body, shared by every body this app accepts (clicks, destination
/// confirmations): a UTF-8 byte order mark is dropped, and bytes that are not UTF-8, comments, trailing commas,
/// nesting deeper than asked and escaped lone surrogates are refused up front, so nothing later can throw on them.
/// </summary>
internal static class JsonBody
{
    private static readonly byte[] ByteOrderMark = [0xEF, 0xBB, 0xBF];

    /// <summary>The parsed document (the caller disposes it), or null with the reason and a sentence for the sender.</summary>
    public static JsonDocument? Parse(ReadOnlyMemory<byte> body, int maxDepth, out JsonBodyError error, out string? detail)
    {
        // A byte order mark is legal in front of JSON text but not part of it.
        if (body.Span.StartsWith(ByteOrderMark))
        {
            body = body[ByteOrderMark.Length..];
        }

        if (body.Span.TrimStart(" \t\r\n"u8).IsEmpty)
        {
            return Fail(JsonBodyError.Empty, "The request body is empty.", out error, out detail);
        }

        // The JSON reader checks UTF-8 only when a string is materialised; refuse bad bytes before anything reads one.
        if (!Utf8.IsValid(body.Span))
        {
            return Fail(JsonBodyError.Invalid, "The body is not valid UTF-8.", out error, out detail);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions
            {
                MaxDepth = maxDepth,
                AllowTrailingCommas = false,
                CommentHandling = JsonCommentHandling.Disallow,
            });
        }
        catch (JsonException ex)
        {
            // The reader's message names the position and the problem (including "maximum depth"), never the content.
            return Fail(JsonBodyError.Invalid, "The body is not valid JSON: " + Truncate(ex.Message, 200), out error, out detail);
        }

        if (MayEscapeUtf16(body.Span) && HasLoneSurrogateEscape(body.Span, maxDepth))
        {
            document.Dispose();
            return Fail(JsonBodyError.Invalid, "The body holds a \\u escape that is a lone UTF-16 surrogate, which is not text.", out error, out detail);
        }

        error = JsonBodyError.None;
        detail = null;
        return document;
    }

    /// <summary>
    /// Whether the body holds the two bytes of a <c>\u</c> escape anywhere. Without them no string can escape a
    /// surrogate, and the second full read of the body (<see cref="HasLoneSurrogateEscape"/>) is skipped: a vectorised
    /// search instead of a tokenisation, on the body of every request (README "Performance and reliability").
    /// </summary>
    private static bool MayEscapeUtf16(ReadOnlySpan<byte> json) => json.IndexOf("\\u"u8) >= 0;

    /// <summary>
    /// Whether a string or property name escapes a lone surrogate (<c>"\ud800"</c>). Such JSON is well-formed, so the
    /// parser accepts it, but reading the string throws.
    /// </summary>
    private static bool HasLoneSurrogateEscape(ReadOnlySpan<byte> json, int maxDepth)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = maxDepth });
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && reader.ValueIsEscaped)
                {
                    _ = reader.GetString();
                }
            }
        }
        catch (InvalidOperationException)
        {
            return true;
        }

        return false;
    }

    private static JsonDocument? Fail(JsonBodyError reason, string text, out JsonBodyError error, out string? detail)
    {
        error = reason;
        detail = text;
        return null;
    }

    private static string Truncate(string value, int length) => value.Length <= length ? value : value[..length] + "…";
}
