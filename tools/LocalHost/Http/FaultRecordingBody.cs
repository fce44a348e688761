using Microsoft.AspNetCore.Http;

namespace LocalHost.Http;

/// <summary>
/// The client's request body as the forwarder reads it, remembering the status Kestrel gives a read that failed
/// because of the client (<see cref="RequestFraming.ClientFaultStatus"/>). The forwarder's own error code cannot be
/// relied on for that alone: when the worker notices the cut-off body first, the invocation fails (or the worker
/// answers) before the forwarder reports the body, and the request would be answered as a function failure (500).
/// </summary>
internal sealed class FaultRecordingBody(Stream inner) : Stream
{
    private int _clientFaultStatus;

    /// <summary>Kestrel's status for the client's fault (400, 408, 413), or null while reading has not failed so.</summary>
    public int? ClientFaultStatus => Volatile.Read(ref _clientFaultStatus) is var status and > 0 ? status : null;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        try
        {
            return inner.Read(buffer);
        }
        catch (BadHttpRequestException e)
        {
            Record(e);
            throw;
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            return await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e)
        {
            Record(e);
            throw;
        }
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private void Record(BadHttpRequestException e) => Interlocked.CompareExchange(ref _clientFaultStatus, e.StatusCode, 0);
}
