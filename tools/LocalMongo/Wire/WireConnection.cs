using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using LocalMongo.Commands;
using Microsoft.Extensions.Logging;

namespace LocalMongo.Wire;

/// <summary>
/// One client connection: reads a message, runs it, writes the reply, in order. Anything malformed,
/// oversized or unexpected closes this connection only.
/// </summary>
internal sealed class WireConnection(Socket socket, ConnectionContext context, CommandDispatcher dispatcher, Func<int> nextReplyId, ILogger logger)
{
    public int Id => context.Id;

    public async Task RunAsync(CancellationToken ct)
    {
        var stream = new NetworkStream(socket, ownsSocket: true);
        await using (stream.ConfigureAwait(false))
        {
            var header = new byte[WireProtocol.HeaderLength];
            try
            {
                while (!ct.IsCancellationRequested)
                {
                    if (await stream.ReadAtLeastAsync(header, header.Length, throwOnEndOfStream: false, ct).ConfigureAwait(false) < header.Length)
                    {
                        break; // the client closed the connection
                    }

                    var length = BinaryPrimitives.ReadInt32LittleEndian(header);
                    var requestId = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(4));
                    var opCode = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(12));
                    if (length <= WireProtocol.HeaderLength || length > CommandDispatcher.MaxMessageSizeBytes)
                    {
                        // mongod closes the connection on a message length outside (16, maxMessageSizeBytes].
                        throw new MalformedMessageException($"message length {length} outside 17..{CommandDispatcher.MaxMessageSizeBytes}");
                    }

                    var bodyLength = length - WireProtocol.HeaderLength;
                    var body = ArrayPool<byte>.Shared.Rent(bodyLength);
                    WireRequest request;
                    try
                    {
                        await stream.ReadExactlyAsync(body.AsMemory(0, bodyLength), ct).ConfigureAwait(false);
                        request = WireProtocol.Parse(requestId, opCode, body, bodyLength);
                    }
                    finally
                    {
                        ArrayPool<byte>.Shared.Return(body);
                    }

                    var reply = await dispatcher.ExecuteAsync(request.Command, request.LegacyDatabase, context, ct).ConfigureAwait(false);
                    if (reply is null)
                    {
                        break; // a fail point asked to close the connection without a reply
                    }

                    if (!request.MoreToCome)
                    {
                        var bytes = WireProtocol.BuildReply(request, nextReplyId(), reply);
                        await stream.WriteAsync(bytes, ct).ConfigureAwait(false);
                    }
                }
            }
            catch (MalformedMessageException e)
            {
                LocalMongoLog.MalformedMessage(logger, Id, e.Message);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
            {
                // Closed by the peer, or by StopListeningAsync/DisposeAsync: nothing to report.
            }
#pragma warning disable CA1031 // One connection's unexpected failure must not take the server down; it is logged.
            catch (Exception e)
#pragma warning restore CA1031
            {
                LocalMongoLog.ConnectionFailed(logger, e, Id);
            }
        }

        LocalMongoLog.ConnectionClosed(logger, Id);
    }

    /// <summary>Closes the socket now (used to simulate an outage); the read loop then ends.</summary>
    public void Abort()
    {
        try
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already closed.
        }

        socket.Close();
    }
}
