using LocalHost;
using Microsoft.Extensions.Logging;

namespace ButtonFunctions.Tests.LocalHost;

/// <summary>
/// One LocalHost + worker per function app for a whole test class (a worker takes about a second to start).
/// Listens on a free port; collects every log line so tests can assert on what the worker relayed.
/// </summary>
public abstract class LocalHostFixture : IAsyncLifetime
{
    private readonly string _appDirectory;
    private FunctionsLocalHost? _host;

    protected LocalHostFixture(string appDirectory)
    {
        _appDirectory = appDirectory;
    }

    public CapturingLoggerProvider Logs { get; } = new();

    public FunctionsLocalHost Host => _host ?? throw new InvalidOperationException("The fixture has not started.");

    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var loggerFactory = LoggerFactory.Create(logging => logging.SetMinimumLevel(LogLevel.Debug).AddProvider(Logs));
        _host = await FunctionsLocalHost.StartAsync(new FunctionsLocalHostOptions { AppDirectory = _appDirectory, Port = 0 }, loggerFactory);
        Client = new HttpClient { BaseAddress = _host.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}

/// <summary>The test function app (tools/LocalHost.TestApp) in a real worker.</summary>
public sealed class TestAppHostFixture() : LocalHostFixture(TestAppDirectory)
{
    public static string TestAppDirectory => FunctionsLocalHostOptions.FindAppDirectory(Path.Combine("tools", "LocalHost.TestApp"), configuration: null);
}
