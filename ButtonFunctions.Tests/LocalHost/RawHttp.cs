using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ButtonFunctions.Tests.LocalHost;

/// <summary>
/// Sends bytes no HttpClient would send (broken framing, raw non-ASCII header bytes) over a plain TCP connection and
/// reads what comes back until the server closes. Requests should carry <c>Connection: close</c>.
/// </summary>
internal static class RawHttp
{
    /// <summary>Latin-1 maps chars 0–255 to the same byte: a string like "\u00E2\u0080\u008B" is written as those three bytes.</summary>
    public static byte[] Bytes(string text) => Encoding.Latin1.GetBytes(text);

    /// <summary>
    /// Sends <paramref name="request"/>; with <paramref name="halfClose"/> the client then stops sending (as a client that
    /// goes away mid-body). Returns null when the server closed without answering.
    /// </summary>
    public static async Task<RawResponse?> SendAsync(int port, byte[] request, bool halfClose = false)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        var stream = client.GetStream();
        await stream.WriteAsync(request);
        if (halfClose)
        {
            client.Client.Shutdown(SocketShutdown.Send);
        }

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var received = new MemoryStream();
        try
        {
            await stream.CopyToAsync(received, deadline.Token);
        }
        catch (IOException)
        {
            // A server may reset the connection after answering (unread request bytes): keep what arrived.
        }

        return RawResponse.Parse(received.ToArray());
    }
}

internal sealed record RawResponse(int Status, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string Text => Encoding.UTF8.GetString(Body);

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    public static RawResponse? Parse(byte[] raw)
    {
        if (raw.Length == 0)
        {
            return null;
        }

        var headerEnd = raw.AsSpan().IndexOf("\r\n\r\n"u8);
        Assert.True(headerEnd > 0, "no complete response head: " + Encoding.Latin1.GetString(raw));
        var lines = Encoding.Latin1.GetString(raw, 0, headerEnd).Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1], CultureInfo.InvariantCulture);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }

        var body = raw.AsSpan(headerEnd + 4);
        return new RawResponse(status, headers,
            headers.TryGetValue("Transfer-Encoding", out var te) && te.Contains("chunked", StringComparison.OrdinalIgnoreCase) ? Unchunk(body) : body.ToArray());
    }

    private static byte[] Unchunk(ReadOnlySpan<byte> body)
    {
        var result = new List<byte>();
        while (true)
        {
            var lineEnd = body.IndexOf("\r\n"u8);
            var size = int.Parse(Encoding.Latin1.GetString(body[..lineEnd]).Split(';')[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (size == 0)
            {
                return [.. result];
            }

            result.AddRange(body.Slice(lineEnd + 2, size));
            body = body[(lineEnd + 2 + size + 2)..];
        }
    }
}
