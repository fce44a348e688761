using System.Net;
using System.Net.Sockets;

namespace LocalHost;

/// <summary>Whether a port on 127.0.0.1 can be had, and the one line that says what to do when it cannot.</summary>
internal static class LoopbackPort
{
    public static bool IsFree(int port)
    {
        try
        {
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            // As Kestrel binds (SO_REUSEADDR on Unix): a port in TIME_WAIT after a previous run is free; one with a listener is not.
            if (!OperatingSystem.IsWindows())
            {
                probe.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            }

            probe.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied)
        {
            return false;
        }
    }

    /// <summary>Kestrel reports a taken port as an IOException wrapping an AddressInUseException.</summary>
    public static bool IsAddressInUse(IOException exception) =>
        exception.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException
        || exception.InnerException is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse };

    public static string InUseMessage(int port) =>
        $"LocalHost: port {port} on 127.0.0.1 is already in use (another LocalHost, or func start?). Stop it, or pass --port <another port> (0 picks a free one).";
}
