using LocalHost;
using LocalIssuer;
using LocalMongo;
using ButtonFunctions.Tests.LocalHost;
using Microsoft.Extensions.Logging;
using MongoDB.Bson;
using MongoDB.Driver;

namespace ButtonFunctions.Tests.EndToEnd;

/// <summary>
/// The whole system on loopback: LocalMongo, LocalIssuer and the real worker under LocalHost.
/// Derive from it and override <see cref="Configure"/> to start the app with extra settings.
/// </summary>
public class AppFixture : IAsyncLifetime
{
    public const string WriterClientId = "e2e-writer";
    public const string ReaderClientId = "e2e-reader";

    /// <summary>A client granted only <c>write:clicks</c>, like the AWS IoT side: it may not read.</summary>
    public const string WriteOnlyClientId = "e2e-write-only";
    public const string Audience = "https://buttonfunctions.local/api";
    internal static readonly string WriterSecret = Guid.NewGuid().ToString("N");
    private static readonly string ReaderSecret = Guid.NewGuid().ToString("N");
    private static readonly string WriteOnlySecret = Guid.NewGuid().ToString("N");

    public LocalMongoServer Mongo { get; private set; } = null!;
    public LocalIssuerServer Issuer { get; private set; } = null!;
    public FunctionsLocalHost Host { get; private set; } = null!;

    /// <summary>An HTTP client to the app carrying a valid token with the write and read scopes.</summary>
    public HttpClient Client { get; private set; } = null!;

    /// <summary>An HTTP client to the app without any credentials.</summary>
    public HttpClient AnonymousClient { get; private set; } = null!;

    /// <summary>Every line LocalHost logged, including the worker's own lines it relays (category and level kept).</summary>
    public CapturingLoggerProvider Logs { get; } = new();

    public string DatabaseName { get; } = "e2e_" + Guid.NewGuid().ToString("N")[..12];
    public IMongoDatabase Database { get; private set; } = null!;
    public IMongoCollection<BsonDocument> Clicks => Database.GetCollection<BsonDocument>("clicks");
    public IMongoCollection<BsonDocument> Destinations => Database.GetCollection<BsonDocument>("destinations");

    /// <summary>Adds or overrides worker settings (environment variable names, e.g. <c>Ingest__MaxEvents</c>).</summary>
    protected virtual void Configure(IDictionary<string, string?> settings)
    {
    }

    public async Task InitializeAsync()
    {
        Mongo = await LocalMongoServer.StartAsync();
        var issuerOptions = new LocalIssuerOptions { Audience = Audience };
        issuerOptions.Clients.Add(new LocalIssuerClient(WriterClientId, WriterSecret, ["write:clicks", "read:clicks"]));
        issuerOptions.Clients.Add(new LocalIssuerClient(ReaderClientId, ReaderSecret, ["read:clicks"]));
        issuerOptions.Clients.Add(new LocalIssuerClient(WriteOnlyClientId, WriteOnlySecret, ["write:clicks"]));
        Issuer = await LocalIssuerServer.StartAsync(issuerOptions);

        var options = new FunctionsLocalHostOptions { AppDirectory = FunctionsLocalHostOptions.FindAppDirectory(), Port = 0 };
        options.Settings["Mongo__ConnectionString"] = Mongo.ConnectionString;
        options.Settings["Mongo__Database"] = DatabaseName;
        options.Settings["Mongo__Collection"] = "clicks";
        options.Settings["Auth0__Authority"] = Issuer.Authority.ToString();
        options.Settings["Auth0__Audience"] = Audience;
        Configure(options.Settings);
        _loggers = LoggerFactory.Create(logging => logging.SetMinimumLevel(LogLevel.Information).AddProvider(Logs));
        Host = await FunctionsLocalHost.StartAsync(options, _loggers);

        Database = new MongoClient(Mongo.ConnectionString).GetDatabase(DatabaseName);
        AnonymousClient = new HttpClient { BaseAddress = Host.BaseAddress };
        Client = new HttpClient { BaseAddress = Host.BaseAddress };
        Client.DefaultRequestHeaders.Authorization = new("Bearer", await IssueTokenAsync(WriterClientId));
    }

    /// <summary>A fresh token from LocalIssuer for one of the fixture's clients.</summary>
    public Task<string> IssueTokenAsync(string clientId) =>
        Issuer.IssueTokenAsync(clientId, clientId switch
        {
            WriterClientId => WriterSecret,
            WriteOnlyClientId => WriteOnlySecret,
            _ => ReaderSecret,
        }, Audience);

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        AnonymousClient?.Dispose();
        if (Host is not null) await Host.DisposeAsync();
        if (Issuer is not null) await Issuer.DisposeAsync();
        if (Mongo is not null) await Mongo.DisposeAsync();
        _loggers?.Dispose();
    }

    private ILoggerFactory? _loggers;
}

/// <summary>
/// The one app stack shared by the end-to-end test classes that do not disturb each other (xunit runs a collection's
/// tests one at a time): an allow-list of clients (so a disallowed client can be refused), one allowed destination
/// ARN and a loopback listener standing in for AWS's confirmation endpoint. Tests use their own device ids.
/// </summary>
public sealed class SharedAppFixture : AppFixture, IDisposable
{
    public const string AllowedArn = "arn:aws:iot:us-east-1:123456789012:ruledestination/http/7a280e6b-5b4b-4f2e-9c0d-3f6c5e1d2a10";

    public ConfirmationListener Listener { get; } = new();

    protected override void Configure(IDictionary<string, string?> settings)
    {
        string[] allowed = [WriterClientId, ReaderClientId, Auth.TestIssuer.Writer, Auth.TestIssuer.Reader, Auth.TestIssuer.NoScope];
        for (var i = 0; i < allowed.Length; i++)
        {
            settings[$"Auth0__AllowedClientIds__{i}"] = allowed[i];
        }

        settings["Destinations__AllowedArns"] = AllowedArn;

        // Every test class of the collection may send confirmations; the bound itself is tested on its own stack.
        settings["Destinations__ConfirmationPermitLimit"] = "10000";
        settings["Destinations__AllowedEnableUrlPrefixes"] = Listener.Prefix;
    }

    public void Dispose() => Listener.Dispose();
}

/// <summary>The test classes that share <see cref="SharedAppFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class SharedApp : ICollectionFixture<SharedAppFixture>
{
    public const string Name = "Shared app stack";
}
