using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LocalHost;
using LocalIssuer;
using LocalMongo;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace TokenValidationBench;

/// <summary>
/// The same comparison end to end: POST /api/clicks through LocalHost to the real worker (with LocalMongo
/// storing the clicks), once with one token for every request and once with a fresh token per request.
/// </summary>
internal static class ThroughLocalHost
{
    private const string Audience = "https://buttonfunctions.local/api";

    public static async Task RunAsync(int requests, int concurrency)
    {
        var secret = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(24));
        var issuerOptions = new LocalIssuerOptions { Audience = Audience };
        issuerOptions.Clients.Add(new LocalIssuerClient("bench-client", secret, ["write:clicks"]));
        await using var issuer = await LocalIssuerServer.StartAsync(issuerOptions);
        await using var mongo = await LocalMongoServer.StartAsync();

        var options = new FunctionsLocalHostOptions { AppDirectory = FunctionsLocalHostOptions.FindAppDirectory("Release"), Port = 0 };
        options.Settings["Mongo__ConnectionString"] = mongo.ConnectionString;
        options.Settings["Mongo__Database"] = "bench";
        options.Settings["Auth0__Authority"] = issuer.Authority.AbsoluteUri;
        options.Settings["Auth0__Audience"] = Audience;
        options.Settings["Logging__LogLevel__Default"] = "Warning";
        options.Settings["AzureFunctionsJobHost__logging__logLevel__default"] = "Warning";
        await using var host = await FunctionsLocalHost.StartAsync(options);
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency }) { BaseAddress = host.BaseAddress };

        var token = await issuer.IssueTokenAsync("bench-client", secret);
        var handler = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false };
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var fresh = Enumerable.Range(0, requests).Select(i => handler.CreateToken(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["iss"] = issuer.Authority.AbsoluteUri, ["sub"] = "bench-client@clients", ["aud"] = Audience, ["iat"] = now, ["exp"] = now + 3600,
            ["azp"] = "bench-client", ["scope"] = "write:clicks", ["gty"] = "client-credentials", ["jti"] = i.ToString(CultureInfo.InvariantCulture),
        }), issuer.CurrentSigningCredentials)).ToArray();

        Console.WriteLine($"POST /api/clicks through LocalHost → worker → LocalMongo ({requests:N0} requests each, {concurrency} concurrent, Release build)");
        await Measure(client, "warm-up", Math.Min(500, requests), concurrency, _ => token, print: false);
        await Measure(client, "same token every request (cache hit)", requests, concurrency, _ => token, print: true);
        await Measure(client, "fresh token every request (RS256 each time)", requests, concurrency, i => fresh[i], print: true);
    }

    private static async Task Measure(HttpClient client, string name, int requests, int concurrency, Func<int, string> tokenFor, bool print)
    {
        var next = -1;
        var failures = 0;
        var runId = Guid.NewGuid().ToString("N")[..8];
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < requests)
            {
                var body = $$"""{"serialNumber":"BENCH{{runId}}","batteryVoltage":"1705mV","clickType":"SINGLE","traceId":"{{runId}}-{{i}}"}""";
                using var request = new HttpRequestMessage(HttpMethod.Post, "api/clicks") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokenFor(i));
                using var response = await client.SendAsync(request);
                if (response.StatusCode != HttpStatusCode.Created)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        }));
        watch.Stop();
        if (print)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {name,-46} {requests / watch.Elapsed.TotalSeconds,9:N0} requests/s  {watch.Elapsed.TotalMilliseconds * concurrency / requests,8:F2} ms/request  (not 201: {failures})"));
        }
    }
}
