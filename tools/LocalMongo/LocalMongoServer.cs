using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using LocalMongo.Commands;
using LocalMongo.Storage;
using LocalMongo.Wire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LocalMongo;

/// <summary>
/// A local, in-memory stand-in for MongoDB / Cosmos DB for MongoDB that speaks the wire protocol on
/// 127.0.0.1. Not a database: data lives in this process only. It implements the commands
/// ButtonFunctions' store sends, and mongod's <c>failCommand</c> fail point for fault tests.
/// </summary>
public sealed class LocalMongoServer : IAsyncDisposable
{
    private readonly ILogger _logger;
    private readonly CommandDispatcher _dispatcher;
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private readonly ConcurrentDictionary<int, (WireConnection Connection, Task Task)> _connections = new();
    private TcpListener? _listener;
    private CancellationTokenSource? _listening;
    private Task? _acceptLoop;
    private int _nextConnectionId;
    private int _nextReplyId;
    private bool _disposed;

    private LocalMongoServer(LocalMongoServerOptions options)
    {
        _logger = options.Logger ?? NullLogger.Instance;
        _dispatcher = new CommandDispatcher(new InMemoryStore(), new CursorRegistry(options.Time), new FailCommandPoint(), options, _logger);
    }

    /// <summary>The TCP port on 127.0.0.1 (the free port chosen when started with port 0).</summary>
    public int Port { get; private set; }

    /// <summary>
    /// Documents read by queries so far (full scans count every document, index scans the ones in their key range),
    /// like mongod's <c>metrics.queryExecutor.scannedObjects</c>: lets a test see that an index served a query.
    /// </summary>
    public long DocumentsExamined => _dispatcher.DocumentsExamined;

    /// <summary><c>mongodb://127.0.0.1:&lt;port&gt;/?directConnection=true</c></summary>
    public string ConnectionString => string.Create(CultureInfo.InvariantCulture, $"mongodb://127.0.0.1:{Port}/?directConnection=true");

    /// <summary>Starts listening on 127.0.0.1 (port 0 = any free port).</summary>
    public static Task<LocalMongoServer> StartAsync(int port = 0, ILogger? logger = null, CancellationToken ct = default) =>
        StartAsync(new LocalMongoServerOptions { Port = port, Logger = logger }, ct);

    /// <summary>Starts listening with a clock of the caller's: fail-point blocks and cursor timeouts follow it (tests pass a fake one).</summary>
    public static Task<LocalMongoServer> StartAsync(int port, ILogger? logger, TimeProvider time, CancellationToken ct = default) =>
        StartAsync(new LocalMongoServerOptions { Port = port, Logger = logger, Time = time }, ct);

    /// <summary>Starts listening as <paramref name="options"/> say (e.g. without fail points, or advertising an older server).</summary>
    public static async Task<LocalMongoServer> StartAsync(LocalMongoServerOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var server = new LocalMongoServer(options);
        await server.ListenAsync(options.Port, ct).ConfigureAwait(false);
        return server;
    }

    /// <summary>Simulates an outage: closes every connection and refuses new ones; the data is kept.</summary>
    public async Task StopListeningAsync()
    {
        await _lifecycle.WaitAsync().ConfigureAwait(false);
        try
        {
            await StopCoreAsync().ConfigureAwait(false);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Listens again on the same port, with the same data.</summary>
    public async Task ResumeListeningAsync()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await ListenAsync(Port, CancellationToken.None).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _lifecycle.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            await StopCoreAsync().ConfigureAwait(false);
        }
        finally
        {
            _lifecycle.Release();
        }

        _lifecycle.Dispose();
    }

    private async Task ListenAsync(int port, CancellationToken ct)
    {
        await _lifecycle.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_listener is not null)
            {
                return;
            }

            var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start(backlog: 512);
            _listener = listener;
            Port = ((IPEndPoint)listener.LocalEndpoint).Port;
            _listening = new CancellationTokenSource();
            _acceptLoop = AcceptLoopAsync(listener, _listening.Token);
            LocalMongoLog.Listening(_logger, Port);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    private async Task AcceptLoopAsync(TcpListener listener, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptSocketAsync(ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            socket.NoDelay = true;
            var id = Interlocked.Increment(ref _nextConnectionId);
            var connection = new WireConnection(socket, new ConnectionContext(id), _dispatcher, () => Interlocked.Increment(ref _nextReplyId), _logger);
            LocalMongoLog.ConnectionOpened(_logger, id, socket.RemoteEndPoint);
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var task = Task.Run(
                async () =>
                {
                    await started.Task.ConfigureAwait(false);
                    try
                    {
                        await connection.RunAsync(ct).ConfigureAwait(false);
                    }
                    finally
                    {
                        _connections.TryRemove(id, out _);
                    }
                },
                CancellationToken.None);
            _connections[id] = (connection, task);
            started.SetResult();
        }
    }

    private async Task StopCoreAsync()
    {
        if (_listener is null)
        {
            return;
        }

        await _listening!.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        await _acceptLoop!.ConfigureAwait(false);
        var open = _connections.Values.ToList();
        foreach (var (connection, _) in open)
        {
            connection.Abort();
        }

        await Task.WhenAll(open.Select(c => c.Task)).ConfigureAwait(false);
        _listening.Dispose();
        _listener = null;
        _listening = null;
        _acceptLoop = null;
        LocalMongoLog.StoppedListening(_logger, Port, open.Count);
    }
}
