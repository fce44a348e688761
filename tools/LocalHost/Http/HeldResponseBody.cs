namespace LocalHost.Http;

/// <summary>
/// Holds the start of the worker's response body until the invocation's outcome is known.
/// A throwing function still produces an empty 200 on the worker's HTTP side; only the gRPC InvocationResponse
/// tells the failure, so nothing may reach the client before it. The hold is bounded: a function that streams
/// more than <see cref="Limit"/> bytes before finishing is committed to (its outcome then only decides whether
/// the connection is aborted), so a large response can never deadlock against the hold.
/// </summary>
internal sealed class HeldResponseBody : Stream
{
    public const int Limit = 1024 * 1024;
    private const int ChunkSize = 16 * 1024;

    private readonly Stream _source;
    private readonly byte[] _chunk;
    private byte[] _held;
    private int _heldOffset;
    private int _heldLength;
    private Task<int>? _pendingRead;
    private bool _sourceEnded;

    private HeldResponseBody(Stream source, byte[] held, int heldLength, byte[] chunk, Task<int>? pendingRead, bool sourceEnded)
    {
        _source = source;
        _held = held;
        _heldLength = heldLength;
        _chunk = chunk;
        _pendingRead = pendingRead;
        _sourceEnded = sourceEnded;
    }

    /// <summary>Reads the body until the invocation completes, the body ends or <see cref="Limit"/> bytes are held.</summary>
    public static async Task<HeldResponseBody> HoldAsync(Stream source, Task invocation, CancellationToken ct)
    {
        var held = new MemoryStream();
        var chunk = new byte[ChunkSize];
        Task<int>? pending = null;
        var ended = false;
        while (!invocation.IsCompleted && held.Length < Limit)
        {
            pending ??= source.ReadAsync(chunk, ct).AsTask();
            await Task.WhenAny(pending, invocation).ConfigureAwait(false);
            if (!pending.IsCompleted)
            {
                break;
            }

            var read = await pending.ConfigureAwait(false);
            pending = null;
            if (read == 0)
            {
                ended = true;
                break;
            }

            held.Write(chunk, 0, read);
        }

        if (ended)
        {
            // The worker finished the response, so the function has returned; its outcome follows at once.
            await invocation.WaitAsync(ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        return new HeldResponseBody(source, held.GetBuffer(), (int)held.Length, chunk, pending, ended);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_heldOffset == _heldLength && _pendingRead is { } pending)
        {
            _pendingRead = null;
            var read = await pending.ConfigureAwait(false);
            if (read == 0)
            {
                _sourceEnded = true;
            }
            else
            {
                _held = _chunk;
                _heldOffset = 0;
                _heldLength = read;
            }
        }

        if (_heldOffset < _heldLength)
        {
            var count = Math.Min(buffer.Length, _heldLength - _heldOffset);
            _held.AsMemory(_heldOffset, count).CopyTo(buffer);
            _heldOffset += count;
            return count;
        }

        return _sourceEnded ? 0 : await _source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
    }

    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _source.Dispose();
            // A read still outstanding fails once the source is gone; observe it so it is not reported as unobserved.
            _pendingRead?.ContinueWith(static t => _ = t.Exception, CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        base.Dispose(disposing);
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
