using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace ButtonFunctions.Http;

/// <summary>Reads a request body without ever holding more than the configured limit.</summary>
internal static class RequestBodyReader
{
    /// <summary>
    /// The body, or <c>null</c> when it is larger than <paramref name="maxBytes"/>. A declared
    /// Content-Length over the limit is refused before reading; a body without one (chunked) or with a
    /// wrong one is counted while reading and abandoned at the first byte past the limit.
    /// </summary>
    public static async Task<ReadOnlyMemory<byte>?> ReadAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        if (request.ContentLength > maxBytes)
        {
            return null;
        }

        // One byte more than allowed is enough to notice an oversized body.
        var buffer = new byte[(int)Math.Min(request.ContentLength ?? 8_192, maxBytes) + 1];
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (length > maxBytes)
                {
                    return null;
                }

                Array.Resize(ref buffer, (int)Math.Min((long)buffer.Length * 2, maxBytes + 1L));
            }

            var read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return buffer.AsMemory(0, length);
            }

            length += read;
            if (length > maxBytes)
            {
                return null;
            }
        }
    }
}

/// <summary>Which Content-Type values are read as JSON.</summary>
internal static class JsonContentType
{
    /// <summary>
    /// application/json and any application/*+json, in UTF-8. A request without Content-Type is read as
    /// JSON too: AWS always sends one, and the body is still parsed strictly, so nothing non-JSON gets in.
    /// </summary>
    public static bool IsAcceptable(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType))
        {
            return true;
        }

        if (!MediaTypeHeaderValue.TryParse(contentType, out var mediaType))
        {
            return false;
        }

        // A parameter value may be a quoted string (RFC 9110 §5.6.6): charset="utf-8" means charset=utf-8.
        var charset = HeaderUtilities.RemoveQuotes(mediaType.Charset);
        var charsetOk = !charset.HasValue
            || charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase)
            || charset.Equals("utf8", StringComparison.OrdinalIgnoreCase);
        var isJson = mediaType.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (mediaType.Type.Equals("application", StringComparison.OrdinalIgnoreCase)
                && mediaType.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase));
        return charsetOk && isJson;
    }
}
