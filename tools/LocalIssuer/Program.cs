using System.Runtime.InteropServices;
using System.Security.Cryptography;
using LocalIssuer;
using Microsoft.Extensions.Configuration;
using Microsoft.IdentityModel.Tokens;

// Usage: dotnet run --project tools/LocalIssuer [--Port 5055] [--Audience <api>] [--ClientId <id>] [--ClientSecret <secret>]
//        [--FunctionUrl http://127.0.0.1:7071/api/clicks] [--CredentialsDir <dir>]
//        [--DashboardUrl http://127.0.0.1:7071/dashboard/]
// (also LOCALISSUER_Port, LOCALISSUER_ClientId, ... environment variables). Without a client secret a random
// one is generated for this run, so no secret ever needs to be written down in the repository. Like LocalHost,
// it writes its client into the repository's .localhost/ (localissuer-<port>.json), so the button simulator finds
// it on the Core Tools path (func start on FunctionUrl) too; the file is removed on exit.
var configuration = new ConfigurationBuilder()
    .AddEnvironmentVariables("LOCALISSUER_")
    .AddCommandLine(args)
    .Build();

var options = new LocalIssuerOptions { Port = configuration.GetValue("Port", 5055) };
if (configuration["Audience"] is { Length: > 0 } audience)
{
    options.Audience = audience;
}

var clientId = configuration["ClientId"] is { Length: > 0 } id ? id : "local-" + Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(9));
var clientSecret = configuration["ClientSecret"] is { Length: > 0 } secret ? secret : Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
options.Clients.Add(new LocalIssuerClient(clientId, clientSecret, ["write:clicks", "read:clicks"]));

// The dashboard's Single Page Application (what `func start` serves at /dashboard/ on its default port).
const string dashboardClientId = "local-dashboard";
var dashboardUrl = new Uri(configuration["DashboardUrl"] is { Length: > 0 } dashboard ? dashboard : "http://127.0.0.1:7071/dashboard/");
var dashboardOrigin = dashboardUrl.GetLeftPart(UriPartial.Authority);
options.SpaClients.Add(new LocalIssuerSpaClient(dashboardClientId, [dashboardUrl.AbsoluteUri], [dashboardUrl.AbsoluteUri], [dashboardOrigin], ["read:clicks"]));

LocalIssuerServer issuer;
try
{
    issuer = await LocalIssuerServer.StartAsync(options);
}
catch (IOException) when (options.Port != 0)
{
    await Console.Error.WriteLineAsync(
        $"LocalIssuer: port {options.Port} on 127.0.0.1 is already in use (another LocalIssuer, or a LocalHost that started one?). Stop it, or pass --Port <another port> (0 picks a free one).");
    return 1;
}

await using var disposeIssuer = issuer;
var authority = issuer.Authority.AbsoluteUri;
var functionUrl = configuration["FunctionUrl"] is { Length: > 0 } url ? url : "http://127.0.0.1:7071/api/clicks";
var credentialsDirectory = configuration["CredentialsDir"] is { Length: > 0 } dir ? dir : RepositoryCredentialsDirectory();
var credentials = credentialsDirectory is null ? null : LocalCredentialsFile.Write(
    credentialsDirectory,
    LocalCredentialsFile.NameFor("LocalIssuer", new Uri(authority).Port),
    new LocalCredentials("LocalIssuer", functionUrl, authority, options.Audience, clientId, clientSecret, Environment.ProcessId));
Console.WriteLine($"LocalIssuer listening: {authority}");
Console.WriteLine($"  audience:      {options.Audience}");
Console.WriteLine($"  client id:     {clientId}");
Console.WriteLine($"  client secret: {clientSecret}");
Console.WriteLine($"  app settings:  Auth0__Authority={authority} Auth0__Audience={options.Audience} Dashboard__ClientId={dashboardClientId}");
Console.WriteLine($"  dashboard:     client {dashboardClientId} signs in at {authority}authorize and returns to {dashboardUrl.AbsoluteUri}");
Console.WriteLine("Get a token:");
Console.WriteLine($"  curl -s {authority}oauth/token -H 'content-type: application/json' -d '{{\"grant_type\":\"client_credentials\",\"client_id\":\"{clientId}\",\"client_secret\":\"{clientSecret}\",\"audience\":\"{options.Audience}\"}}'");
Console.WriteLine($"Rotate the signing key: curl -s -X POST {authority}rotate");
if (credentials is not null)
{
    Console.WriteLine($"Client for the button simulator (sending to {functionUrl}): {credentials.Path}");
}

// Ctrl+C and SIGTERM (a service manager, `kill`, a background job) both stop it cleanly.
using var stop = new CancellationTokenSource();
void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    stop.Cancel();
}

using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
try
{
    await Task.Delay(Timeout.Infinite, stop.Token);
}
catch (OperationCanceledException)
{
    // Ctrl+C: shut down quietly.
}

credentials?.Remove();
return 0;

// The repository's .localhost/ (found from the build output upwards), where LocalHost keeps its credentials too.
static string? RepositoryCredentialsDirectory()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "ButtonFunctions.sln")))
        {
            return Path.Combine(dir.FullName, ".localhost");
        }
    }

    return null;
}
