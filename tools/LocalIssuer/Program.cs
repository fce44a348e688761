using System.Runtime.InteropServices;
using System.Security.Cryptography;
using LocalIssuer;
using Microsoft.Extensions.Configuration;
using Microsoft.IdentityModel.Tokens;

// Usage: dotnet run --project tools/LocalIssuer [--Port 5055] [--Audience <api>] [--ClientId <id>] [--ClientSecret <secret>]
//        [--DashboardUrl http://127.0.0.1:7071/dashboard/]
// (also LOCALISSUER_Port, LOCALISSUER_ClientId, ... environment variables). Without a client secret a random
// one is generated for this run, so no secret ever needs to be written down in the repository.
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
var dashboardUrl = new Uri(configuration["DashboardUrl"] is { Length: > 0 } url ? url : "http://127.0.0.1:7071/dashboard/");
var dashboardOrigin = dashboardUrl.GetLeftPart(UriPartial.Authority);
options.SpaClients.Add(new LocalIssuerSpaClient(dashboardClientId, [dashboardUrl.AbsoluteUri], [dashboardUrl.AbsoluteUri], [dashboardOrigin], ["read:clicks"]));

await using var issuer = await LocalIssuerServer.StartAsync(options);
var authority = issuer.Authority.AbsoluteUri;
Console.WriteLine($"LocalIssuer listening: {authority}");
Console.WriteLine($"  audience:      {options.Audience}");
Console.WriteLine($"  client id:     {clientId}");
Console.WriteLine($"  client secret: {clientSecret}");
Console.WriteLine($"  app settings:  Auth0__Authority={authority} Auth0__Audience={options.Audience} Dashboard__ClientId={dashboardClientId}");
Console.WriteLine($"  dashboard:     client {dashboardClientId} signs in at {authority}authorize and returns to {dashboardUrl.AbsoluteUri}");
Console.WriteLine("Get a token:");
Console.WriteLine($"  curl -s {authority}oauth/token -H 'content-type: application/json' -d '{{\"grant_type\":\"client_credentials\",\"client_id\":\"{clientId}\",\"client_secret\":\"{clientSecret}\",\"audience\":\"{options.Audience}\"}}'");
Console.WriteLine($"Rotate the signing key: curl -s -X POST {authority}rotate");

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

return 0;
