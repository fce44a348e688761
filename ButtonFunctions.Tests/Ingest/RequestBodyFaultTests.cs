using System.Text;
using ButtonFunctions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ButtonFunctions.Tests.Ingest;

/// <summary>
/// A client's framing faults and stalls while the body is read, as Kestrel reports them to the worker: a
/// <see cref="BadHttpRequestException"/> with 400 (body shorter than its Content-Length, broken chunking) or 408
/// (slower than the minimum data rate), or a cancelled read / IOException when the client is gone. Each is a 4xx
/// problem (nobody reads it when the client is gone), logged at Information, with nothing stored.
/// </summary>
[Trait("Category", "Unit")]
public sealed class RequestBodyFaultTests
{
    private const string Click = """{"deviceId":"esp32-fault-1","clickType":"single","timestamp":"2026-11-25T18:00:00.250Z"}""";

    private static readonly Dictionary<string, string> ConfirmationHeaders = new() { ["x-amz-rules-engine-message-type"] = "DestinationConfirmation" };

    public static TheoryData<string, bool> Faults => new()
    {
        { "short", false }, { "short", true },
        { "slow", false }, { "slow", true },
        { "reset", false }, { "reset", true },
    };

    private static IOException FaultFor(string kind) => kind switch
    {
        "short" => new BadHttpRequestException("Unexpected end of request content.", StatusCodes.Status400BadRequest),
        "slow" => new BadHttpRequestException("Reading the request body timed out due to data arriving too slowly. See MinRequestBodyDataRate.", StatusCodes.Status408RequestTimeout),
        _ => new IOException("Connection reset by peer"),
    };

    private static void AssertLoggedAtInformationOnly(IngestHarness harness)
    {
        Assert.Contains(harness.Logs.Entries, e => e.Level == LogLevel.Information && e.Message.Contains("Request body not read", StringComparison.Ordinal));
        Assert.DoesNotContain(harness.Logs.Entries, e => e.Level >= LogLevel.Warning);
    }

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task A_body_that_fails_mid_read_is_a_client_fault_never_a_server_error(string kind, bool confirmation)
    {
        var harness = new IngestHarness();
        var body = new FailingStream(Encoding.UTF8.GetBytes(Click)[..20], FaultFor(kind));

        var answer = await harness.PostAsync(body, "application/json", headers: confirmation ? ConfirmationHeaders : null, contentLength: 100);

        var (status, type) = kind == "slow" ? (408, ProblemTypes.BodyTimeout) : (400, ProblemTypes.IncompleteBody);
        Assert.Equal(status, answer.Status);
        Assert.StartsWith("application/problem+json", answer.ContentType, StringComparison.Ordinal);
        Assert.Equal(type, answer.Json.GetProperty("type").GetString());
        Assert.Empty(harness.Store.Stored);
        Assert.Empty(harness.Destinations.Attempts);
        AssertLoggedAtInformationOnly(harness);
    }

    [Fact]
    public async Task Kestrels_own_size_limit_is_answered_413()
    {
        var harness = new IngestHarness();
        var body = new FailingStream([], new BadHttpRequestException("Request body too large.", StatusCodes.Status413PayloadTooLarge));

        var answer = await harness.PostAsync(body, "application/json", contentLength: null);

        Assert.Equal(413, answer.Status);
        Assert.Equal(ProblemTypes.BodyTooLarge, answer.Json.GetProperty("type").GetString());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_client_that_stalls_and_goes_away_ends_the_read_without_an_error(bool confirmation)
    {
        var harness = new IngestHarness();
        using var aborted = new CancellationTokenSource();
        var body = new StallingStream(Encoding.UTF8.GetBytes(Click)[..10]);

        var posting = harness.PostAsync(body, "application/json", headers: confirmation ? ConfirmationHeaders : null, contentLength: 100, aborted: aborted.Token);
        await body.Stalled.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await aborted.CancelAsync();
        var answer = await posting.WaitAsync(TimeSpan.FromSeconds(30));

        // A client fault's status; its body is not written to a connection that is gone.
        Assert.Equal(400, answer.Status);
        Assert.Empty(harness.Store.Stored);
        Assert.Empty(harness.Destinations.Attempts);
        AssertLoggedAtInformationOnly(harness);
    }

    /// <summary>Gives <paramref name="prefix"/>, then throws <paramref name="fault"/> as Kestrel's request body does.</summary>
    private sealed class FailingStream(byte[] prefix, Exception fault) : ReadOnlyBody
    {
        private int _position;

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_position < prefix.Length)
            {
                var n = Math.Min(buffer.Length, prefix.Length - _position);
                prefix.AsSpan(_position, n).CopyTo(buffer.Span);
                _position += n;
                return ValueTask.FromResult(n);
            }

            return ValueTask.FromException<int>(fault);
        }
    }

    /// <summary>Gives <paramref name="prefix"/>, then waits for more that never comes, until the read is cancelled.</summary>
    private sealed class StallingStream(byte[] prefix) : ReadOnlyBody
    {
        private bool _gave;

        public TaskCompletionSource Stalled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (!_gave)
            {
                _gave = true;
                prefix.CopyTo(buffer.Span);
                return prefix.Length;
            }

            Stalled.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return 0;
        }
    }

    private abstract class ReadOnlyBody : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public abstract override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default);

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
