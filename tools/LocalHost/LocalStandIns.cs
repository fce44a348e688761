using System.Security.Cryptography;
using LocalIssuer;
using LocalMongo;
using Microsoft.Extensions.Logging;

namespace LocalHost;

/// <summary>
/// Starts LocalMongo and LocalIssuer for whatever the app's configuration leaves unset, so that
/// <c>dotnet run --project tools/LocalHost</c> works on a machine with nothing else installed — and
/// leaves real MongoDB / Auth0 settings alone when they are configured.
/// </summary>
internal sealed class LocalStandIns : IAsyncDisposable
{
    /// <summary>The issuer port the simulator and the README assume; when it is taken (and was not asked for explicitly) any free port will do.</summary>
    public const int DefaultIssuerPort = 5055;
    private const string LocalAudience = "https://buttonfunctions.local/api";

    /// <summary>The dashboard's Single Page Application at the local issuer (public client: no secret).</summary>
    public const string DashboardClientId = "local-dashboard";

    private LocalMongoServer? _mongo;
    private LocalIssuerServer? _issuer;
    private (string Audience, string ClientId, string ClientSecret)? _client;
    private LocalCredentialsFile? _credentials;

    private LocalStandIns()
    {
    }

    /// <param name="issuerPort">LocalIssuer's port: <see cref="DefaultIssuerPort"/> (any free port if taken), another port, or 0 for any.</param>
    public static async Task<LocalStandIns> StartAsync(
        FunctionsLocalHostOptions options, int issuerPort, ILoggerFactory loggerFactory, TextWriter console, CancellationToken ct)
    {
        var standIns = new LocalStandIns();
        try
        {
            if (options.GetEffectiveSetting("Mongo:ConnectionString") is null)
            {
                standIns._mongo = await LocalMongoServer.StartAsync(0, loggerFactory.CreateLogger("LocalMongo"), ct);
                options.Settings["Mongo__ConnectionString"] = standIns._mongo.ConnectionString;
                options.Settings["Mongo__Database"] = options.GetEffectiveSetting("Mongo:Database") ?? "buttons";
                options.Settings["Mongo__Collection"] = options.GetEffectiveSetting("Mongo:Collection") ?? "clicks";
                await console.WriteLineAsync($"LocalMongo (in-memory stand-in, data is lost on exit): {standIns._mongo.ConnectionString}");
            }

            if (options.GetEffectiveSetting("Auth0:Domain") is null && options.GetEffectiveSetting("Auth0:Authority") is null)
            {
                await standIns.StartIssuerAsync(options, issuerPort, console, ct);
            }
        }
        catch
        {
            await standIns.DisposeAsync();
            throw;
        }

        return standIns;
    }

    private async Task StartIssuerAsync(FunctionsLocalHostOptions options, int issuerPort, TextWriter console, CancellationToken ct)
    {
        var audience = options.GetEffectiveSetting("Auth0:Audience") ?? LocalAudience;
        // A fresh client secret per run: nothing secret is ever written into the repository.
        var clientId = "local-button";
        var clientSecret = Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
        _issuer = await StartIssuerOnAsync(issuerPort, audience, new LocalIssuerClient(clientId, clientSecret, ["write:clicks", "read:clicks"]), ct);
        _client = (audience, clientId, clientSecret);

        options.Settings["Auth0__Authority"] = _issuer.Authority.AbsoluteUri;
        options.Settings["Auth0__Audience"] = audience;
        options.Settings["Dashboard__ClientId"] = DashboardClientId;
        await console.WriteLineAsync($"LocalIssuer (Auth0 stand-in): {_issuer.Authority.AbsoluteUri}  audience {audience}");
    }

    /// <summary>
    /// Once the host listens (its port is known, also with <c>--port 0</c>): writes this run's credentials file for the
    /// simulator. No-op when a real issuer is configured.
    /// </summary>
    public void WriteCredentials(Uri baseAddress, string directory)
    {
        if (_issuer is null || _client is not { } client)
        {
            return;
        }

        _credentials = LocalCredentialsFile.Write(
            directory,
            LocalCredentialsFile.NameFor("LocalHost", baseAddress.Port),
            new LocalCredentials("LocalHost", new Uri(baseAddress, "api/clicks").AbsoluteUri, _issuer.Authority.AbsoluteUri, client.Audience, client.ClientId, client.ClientSecret, Environment.ProcessId));
    }

    /// <summary>Prints the local client and a curl that gets a token (part of the ready banner).</summary>
    public async Task PrintClientAsync(TextWriter console)
    {
        if (_issuer is null || _client is not { } client || _credentials is null)
        {
            return;
        }

        var authority = _issuer.Authority.AbsoluteUri;
        await console.WriteLineAsync($"  Client for the simulator: id {client.ClientId}, secret {client.ClientSecret} (new every run; in {_credentials.Path})");
        await console.WriteLineAsync(
            $"  Get a token: curl -s {authority}oauth/token -H 'content-type: application/json' -d '{{\"grant_type\":\"client_credentials\",\"client_id\":\"{client.ClientId}\",\"client_secret\":\"{client.ClientSecret}\",\"audience\":\"{client.Audience}\"}}'");
    }

    /// <summary>
    /// Lets the dashboard served at <paramref name="baseAddress"/> sign in at the local issuer: its callback, logout
    /// URL and web origin, for 127.0.0.1 and localhost. Called once the host's port is known; no-op with a real Auth0.
    /// </summary>
    public void RegisterDashboard(Uri baseAddress)
    {
        if (_issuer is null)
        {
            return;
        }

        var urls = new[] { baseAddress, new UriBuilder(baseAddress) { Host = "localhost" }.Uri }
            .Select(b => new Uri(b, "dashboard/").AbsoluteUri).ToArray();
        var origins = urls.Select(u => new Uri(u).GetLeftPart(UriPartial.Authority)).ToArray();
        _issuer.RegisterSpaClient(new LocalIssuerSpaClient(DashboardClientId, urls, urls, origins, ["read:clicks"]));
    }

    /// <summary>Binds the asked port; only the default port falls back to any free one (binding decides, so there is no check-then-bind race).</summary>
    private static async Task<LocalIssuerServer> StartIssuerOnAsync(int port, string audience, LocalIssuerClient client, CancellationToken ct)
    {
        LocalIssuerOptions Options(int p)
        {
            var issuerOptions = new LocalIssuerOptions { Port = p, Audience = audience };
            issuerOptions.Clients.Add(client);
            return issuerOptions;
        }

        try
        {
            return await LocalIssuerServer.StartAsync(Options(port), ct);
        }
        catch (IOException) when (port == DefaultIssuerPort)
        {
            return await LocalIssuerServer.StartAsync(Options(0), ct);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _credentials?.Remove(); // the secret dies with the issuer that knows it

        if (_issuer is not null)
        {
            await _issuer.DisposeAsync();
        }

        if (_mongo is not null)
        {
            await _mongo.DisposeAsync();
        }
    }
}
