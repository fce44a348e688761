using LocalHost;
using LocalIssuer;
using LocalMongo;
using Microsoft.Extensions.Logging;
using MongoDB.Driver;

namespace ButtonFunctions.Tests.LocalHost;

/// <summary>
/// The real app behind LocalHost with its own LocalMongo (started as the caller says, and prepared before the app
/// starts) and LocalIssuer, a fresh database, and every log line of LocalHost and of the worker (relayed with its
/// level) captured.
/// </summary>
public sealed class AppUnderTest : IAsyncDisposable
{
    public const string Audience = "https://buttonfunctions.local/api";
    private const string Writer = "stack-writer";
    private const string Reader = "stack-reader";
    private readonly string _writerSecret = Guid.NewGuid().ToString("N");
    private readonly string _readerSecret = Guid.NewGuid().ToString("N");
    private ILoggerFactory? _loggerFactory;
    private MongoClient? _client;

    private AppUnderTest()
    {
    }

    public CapturingLoggerProvider Logs { get; } = new();

    public LocalMongoServer Mongo { get; private set; } = null!;

    public LocalIssuerServer Issuer { get; private set; } = null!;

    public FunctionsLocalHost Host { get; private set; } = null!;

    public string DatabaseName { get; } = "stack_" + Guid.NewGuid().ToString("N")[..12];

    public IMongoDatabase Database { get; private set; } = null!;

    /// <summary>A token with write:clicks and read:clicks.</summary>
    public string WriterToken { get; private set; } = string.Empty;

    /// <summary>A token with read:clicks only.</summary>
    public string ReaderToken { get; private set; } = string.Empty;

    /// <param name="mongo">How LocalMongo presents itself (default: MongoDB 7.0 with fail points).</param>
    /// <param name="prepare">Runs against the app's database before the app starts (e.g. to create a conflicting index).</param>
    /// <param name="settings">Extra worker settings (environment variable names, e.g. <c>Mongo__CreateIndexes</c>).</param>
    public static async Task<AppUnderTest> StartAsync(
        LocalMongoServerOptions? mongo = null, Func<IMongoDatabase, Task>? prepare = null, IReadOnlyDictionary<string, string>? settings = null)
    {
        var stack = new AppUnderTest();
        try
        {
            await stack.StartCoreAsync(mongo ?? new LocalMongoServerOptions(), prepare, settings);
            return stack;
        }
        catch
        {
            await stack.DisposeAsync();
            throw;
        }
    }

    private async Task StartCoreAsync(LocalMongoServerOptions mongo, Func<IMongoDatabase, Task>? prepare, IReadOnlyDictionary<string, string>? settings)
    {
        Mongo = await LocalMongoServer.StartAsync(mongo);
        _client = new MongoClient(Mongo.ConnectionString);
        Database = _client.GetDatabase(DatabaseName);
        if (prepare is not null)
        {
            await prepare(Database);
        }

        var issuer = new LocalIssuerOptions { Audience = Audience };
        issuer.Clients.Add(new LocalIssuerClient(Writer, _writerSecret, ["write:clicks", "read:clicks"]));
        issuer.Clients.Add(new LocalIssuerClient(Reader, _readerSecret, ["read:clicks"]));
        Issuer = await LocalIssuerServer.StartAsync(issuer);

        var options = new FunctionsLocalHostOptions { AppDirectory = FunctionsLocalHostOptions.FindAppDirectory(), Port = 0 };
        options.Settings["Mongo__ConnectionString"] = Mongo.ConnectionString;
        options.Settings["Mongo__Database"] = DatabaseName;
        options.Settings["Auth0__Authority"] = Issuer.Authority.ToString();
        options.Settings["Auth0__Audience"] = Audience;
        foreach (var (name, value) in settings ?? new Dictionary<string, string>())
        {
            options.Settings[name] = value;
        }

        _loggerFactory = LoggerFactory.Create(logging => logging.SetMinimumLevel(LogLevel.Debug).AddProvider(Logs));
        Host = await FunctionsLocalHost.StartAsync(options, _loggerFactory);
        WriterToken = await Issuer.IssueTokenAsync(Writer, _writerSecret, Audience);
        ReaderToken = await Issuer.IssueTokenAsync(Reader, _readerSecret, Audience);
    }

    /// <summary>An HTTP client to the app, with the writer's token when <paramref name="authenticated"/>.</summary>
    public HttpClient CreateClient(bool authenticated = true)
    {
        var client = new HttpClient { BaseAddress = Host.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (authenticated)
        {
            client.DefaultRequestHeaders.Authorization = new("Bearer", WriterToken);
        }

        return client;
    }

    public async ValueTask DisposeAsync()
    {
        if (Host is not null) await Host.DisposeAsync();
        if (Issuer is not null) await Issuer.DisposeAsync();
        if (Mongo is not null) await Mongo.DisposeAsync();
        _client?.Dispose();
        _loggerFactory?.Dispose();
    }
}
