using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using ButtonFunctions.Auth;
using ButtonFunctions.Destinations;
using LocalIssuer;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

// Usage: dotnet run -c Release --project bench/TokenValidationBench [iterations]
//        dotnet run -c Release --project bench/TokenValidationBench -- --through-localhost [requests] [concurrency]
// Runs the app's real auth pipeline (AccessGate → AccessTokenValidator → cache) in process against a
// LocalIssuer and prints per-request cost for: the same token again (cache hit, the IoT rule's case),
// a fresh token every request (full RS256 validation), and the same token with the cache turned off.
// With --through-localhost [requests] [concurrency]: the same comparison end to end through LocalHost.
if (args.Length > 0 && args[0] == "--through-localhost")
{
    await TokenValidationBench.ThroughLocalHost.RunAsync(
        args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5_000,
        args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 8);
    return;
}

var iterations = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20_000;
const string Audience = "https://buttonfunctions.local/api";
var secret = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(24));
var issuerOptions = new LocalIssuerOptions { Audience = Audience };
issuerOptions.Clients.Add(new LocalIssuerClient("bench-client", secret, ["write:clicks"]));
await using var issuer = await LocalIssuerServer.StartAsync(issuerOptions);
var token = await issuer.IssueTokenAsync("bench-client", secret);

// Fresh tokens must differ from each other: LocalIssuer (like Auth0) puts no jti in a token, so add one.
var handler = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false };
var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
var fresh = Enumerable.Range(0, iterations).Select(i => handler.CreateToken(JsonSerializer.Serialize(new Dictionary<string, object>
{
    ["iss"] = issuer.Authority.AbsoluteUri, ["sub"] = "bench-client@clients", ["aud"] = Audience, ["iat"] = now, ["exp"] = now + 3600,
    ["azp"] = "bench-client", ["scope"] = "write:clicks", ["gty"] = "client-credentials", ["jti"] = i.ToString(CultureInfo.InvariantCulture),
}), issuer.CurrentSigningCredentials)).ToArray();

Console.WriteLine($"Token validation per request ({iterations:N0} requests each, {Environment.ProcessorCount} cores, single thread)");
await Run("same token, cache on (IoT rule resends one token)", o => { }, _ => token);
await Run("fresh token every request (full RS256 check)", o => { }, i => fresh[i]);
await Run("same token, cache off", o => o.ValidatedTokenCacheLifetime = TimeSpan.Zero, _ => token);

async Task Run(string name, Action<Auth0Options> configure, Func<int, string> tokenFor)
{
    var options = new Auth0Options { Authority = issuer.Authority.AbsoluteUri, Audience = Audience };
    configure(options);
    var wrapped = Options.Create(options);
    using var metadata = new IssuerMetadata(wrapped, TimeProvider.System, NullLogger<IssuerMetadata>.Instance);
    using var cache = new ValidatedTokenCache(wrapped, TimeProvider.System);
    using var confirmations = new ConfirmationRateLimiter(Options.Create(new DestinationOptions()), NullLogger<ConfirmationRateLimiter>.Instance);
    var gate = new AccessGate(new AccessTokenValidator(wrapped, metadata, cache, TimeProvider.System, NullLogger<AccessTokenValidator>.Instance), wrapped, confirmations, NullLogger<AccessGate>.Instance);
    var requests = Enumerable.Range(0, iterations).Select(i =>
    {
        var request = new DefaultHttpContext().Request;
        request.Method = "POST";
        request.Headers.Authorization = "Bearer " + tokenFor(i);
        return request;
    }).ToArray();

    // Warm up: metadata fetch, JIT, and (for the cached run) the one real validation.
    for (var i = 0; i < Math.Min(200, iterations); i++)
    {
        await gate.DecideAsync("IngestClicks", requests[0], default);
    }

    var allocated = GC.GetAllocatedBytesForCurrentThread();
    var watch = Stopwatch.StartNew();
    for (var i = 0; i < iterations; i++)
    {
        var decision = await gate.DecideAsync("IngestClicks", requests[i], default);
        if (!decision.Allowed)
        {
            throw new InvalidOperationException($"request {i} refused: {decision.Detail}");
        }
    }

    watch.Stop();
    var perRequest = watch.Elapsed.TotalMicroseconds / iterations;
    var bytes = (GC.GetAllocatedBytesForCurrentThread() - allocated) / iterations;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"  {name,-52} {perRequest,9:F2} µs/request  {1_000_000 / perRequest,12:N0} requests/s  {bytes,7:N0} B/request"));
}
