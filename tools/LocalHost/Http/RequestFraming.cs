using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace LocalHost.Http;

/// <summary>
/// How LocalHost treats request framing that Kestrel itself lets through, so that the worker gets exactly the body the
/// client meant, or the client gets a 4xx/501 for its own fault (never a 502, which would blame the worker).
/// Kestrel (LocalHost's front end, as the Functions host's) already refuses with 400 a Transfer-Encoding whose last
/// coding is not chunked, a malformed Content-Length and header bytes that are not UTF-8; the cases below come after it.
/// </summary>
internal static class RequestFraming
{
    /// <summary>
    /// True when Transfer-Encoding names a coding besides <c>chunked</c> (e.g. <c>gzip, chunked</c>, which Kestrel accepts:
    /// it removes only the chunked framing). Forwarding drops Transfer-Encoding as a hop-by-hop header, so the worker would
    /// take the still-coded bytes for the body. RFC 9112 §6.1: a server that receives a transfer coding it does not
    /// understand should answer 501 (Not Implemented); LocalHost implements none but chunked.
    /// </summary>
    public static bool HasUnsupportedTransferCoding(StringValues transferEncoding)
    {
        foreach (var value in transferEncoding)
        {
            foreach (var coding in (value ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                // A coding may carry parameters (";q=..."); its name is what precedes them.
                var name = coding.Split(';', 2)[0].Trim();
                if (!string.Equals(name, "chunked", StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>
    /// The status Kestrel itself answers when an application's read of the request body fails because of the client
    /// (<see cref="BadHttpRequestException.StatusCode"/>: 400 for malformed chunked framing or a body shorter than its
    /// Content-Length, 408 when the client stalls below the minimum data rate, 413 past the size limit), or null when
    /// the failure was not the client's.
    /// </summary>
    public static int? ClientFaultStatus(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is BadHttpRequestException bad)
            {
                return bad.StatusCode;
            }

            if (e is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions)
                {
                    if (ClientFaultStatus(inner) is { } status)
                    {
                        return status;
                    }
                }
            }
        }

        return null;
    }
}
