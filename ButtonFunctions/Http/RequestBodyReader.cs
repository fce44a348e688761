using System.Buffers;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace ButtonFunctions.Http;

/// <summary>How reading a request body ended.</summary>
internal enum BodyReadOutcome
{
    /// <summary>The whole body is in <see cref="RequestBody.Bytes"/>.</summary>
    Read,

    /// <summary>Larger than the limit (declared or counted, or Kestrel's own 413).</summary>
    TooLarge,

    /// <summary>The body ended before its declared length or its framing was broken: the client's fault (400).</summary>
    Incomplete,

    /// <summary>The body arrived too slowly (Kestrel's minimum request body data rate): 408.</summary>
    TimedOut,

    /// <summary>The client closed or reset the connection mid-body: nobody is left to answer.</summary>
    ClientGone,
}

/// <summary>A request body, or why it could not be read; <see cref="Reason"/> is a sentence for the log (no body content).</summary>
internal readonly record struct RequestBody(BodyReadOutcome Outcome, ReadOnlyMemory<byte> Bytes, string? Reason = null);

/// <summary>
/// Reads a request body without ever holding more than the configured limit, and turns the client's framing faults
/// into outcomes instead of exceptions: Kestrel (in this worker, behind the Functions host) reports a body shorter
/// than its Content-Length or broken chunking as <see cref="BadHttpRequestException"/> with 400, a body arriving
/// slower than its minimum data rate with 408, and a vanished client as a cancelled read or an
/// <see cref="IOException"/>. None of these is a server error, so none may surface as a 500.
/// </summary>
internal static class RequestBodyReader
{
    /// <summary>
    /// Reads the body. A declared Content-Length over <paramref name="maxBytes"/> is refused before reading; a body
    /// without one (chunked) or with a wrong one is counted while reading and abandoned at the first byte past the limit.
    /// </summary>
    /// <param name="cancellationToken">The request's <c>RequestAborted</c>: its cancellation means the client is gone.</param>
    public static async Task<RequestBody> ReadAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ContentLength > maxBytes)
        {
            return new RequestBody(BodyReadOutcome.TooLarge, default, "declared Content-Length over the limit");
        }

        try
        {
            return await ReadWithinAsync(request.Body, request.ContentLength, maxBytes, cancellationToken).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex)
        {
            // Kestrel's own verdict on the client's request (RFC 9112 framing, data rate, its size limit).
            var outcome = ex.StatusCode switch
            {
                StatusCodes.Status408RequestTimeout => BodyReadOutcome.TimedOut,
                StatusCodes.Status413PayloadTooLarge => BodyReadOutcome.TooLarge,
                _ => BodyReadOutcome.Incomplete,
            };
            return new RequestBody(outcome, default, ex.Message);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return new RequestBody(BodyReadOutcome.ClientGone, default, "the client aborted the request");
        }
        catch (IOException ex)
        {
            // A connection reset or closed mid-body (ConnectionResetException and its kin are IOExceptions).
            return new RequestBody(BodyReadOutcome.ClientGone, default, ex.Message);
        }
    }

    private static async Task<RequestBody> ReadWithinAsync(Stream body, long? contentLength, int maxBytes, CancellationToken cancellationToken)
    {
        // One byte more than allowed is enough to notice an oversized body.
        var buffer = new byte[(int)Math.Min(contentLength ?? 8_192, maxBytes) + 1];
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (length > maxBytes)
                {
                    return new RequestBody(BodyReadOutcome.TooLarge, default, "body over the limit");
                }

                Array.Resize(ref buffer, (int)Math.Min((long)buffer.Length * 2, maxBytes + 1L));
            }

            var read = await body.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return new RequestBody(BodyReadOutcome.Read, buffer.AsMemory(0, length));
            }

            length += read;
            if (length > maxBytes)
            {
                return new RequestBody(BodyReadOutcome.TooLarge, default, "body over the limit");
            }
        }
    }
}

/// <summary>Which Content-Type values are read as JSON.</summary>
internal static class JsonContentType
{
    /// <summary>RFC 9110 §5.6.2 tchar, plus the one "/" between type and subtype.</summary>
    private static readonly SearchValues<char> TokenCharactersAndSlash =
        SearchValues.Create("!#$%&'*+-.^_`|~ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/");

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

        // RFC 9110 §8.3.1: media-type = type "/" subtype, tokens with nothing between them; the header parser
        // below is lenient there (it reads "application/ json" as application/json), so check the grammar first.
        var semicolon = contentType.IndexOf(';', StringComparison.Ordinal);
        var essence = (semicolon < 0 ? contentType : contentType[..semicolon]).Trim(' ', '\t');
        var slash = essence.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == essence.Length - 1 || essence.AsSpan().ContainsAnyExcept(TokenCharactersAndSlash)
            || essence.AsSpan(slash + 1).Contains('/'))
        {
            return false;
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
