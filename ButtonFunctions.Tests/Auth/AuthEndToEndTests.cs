using System.Net;
using System.Text;
using ButtonFunctions.Tests.EndToEnd;
using MongoDB.Bson;
using MongoDB.Driver;
using Xunit.Abstractions;

namespace ButtonFunctions.Tests.Auth;

/// <summary>A fresh app whose issuer rotates keys (so it does not disturb tokens of other fixtures).</summary>
public sealed class RotationAppFixture : AppFixture;

/// <summary>A fresh app for the forged-kid flood (its own metadata refresh budget).</summary>
public sealed class FloodAppFixture : AppFixture;

/// <summary>Tokens for the bad-token table from the issuer the end-to-end app trusts.</summary>
internal sealed class AppTokenSource(AppFixture app, string writerToken, string readerToken) : ITokenSource
{
    public string WriterToken => writerToken;

    public string ReaderToken => readerToken;

    // LocalIssuer in AppFixture has no scope-less or foreign client; these are signed by its real key, as it would.
    public string NoScopeToken => Forge.Sign(c => { c.Remove("scope"); c["azp"] = TestIssuer.NoScope; c["sub"] = TestIssuer.NoScope + "@clients"; });

    public string StrangerToken => Forge.Sign(c => { c["azp"] = TestIssuer.Stranger; c["sub"] = TestIssuer.Stranger + "@clients"; });

    public TokenForge Forge => new(app.Issuer);
}

/// <summary>Through the real worker under LocalHost: every bad token is refused and nothing is stored.</summary>
[Collection(SharedApp.Name)]
public sealed class AuthEndToEndTests(SharedAppFixture app)
{
    [Theory]
    [MemberData(nameof(BadTokenCases.Names), MemberType = typeof(BadTokenCases))]
    public async Task Bad_token_is_refused_end_to_end_and_nothing_is_stored(string name)
    {
        var bad = BadTokenCases.Get(name);
        var tokens = new AppTokenSource(app, await app.IssueTokenAsync(AppFixture.WriterClientId), await app.IssueTokenAsync(AppFixture.ReaderClientId));
        var device = "AUTH" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..12];

        using var response = await PostClickAsync(app.AnonymousClient, bad.Shape(tokens), device);

        var (status, error) = (bad.Status, bad.Error);
        Assert.Equal(status, (int)response.StatusCode);
        AccessGateTests.AssertChallenge(response.Headers.WwwAuthenticate.ToString(), error, status == 403 ? "write:clicks" : null);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(0, await app.Clicks.CountDocumentsAsync(Builders<BsonDocument>.Filter.Eq("deviceId", device)));
    }

    [Fact]
    public async Task Issued_token_stores_the_click_with_the_token_client()
    {
        var device = "AUTHOK" + Guid.NewGuid().ToString("N")[..10];

        using var response = await PostClickAsync(app.Client, null, device);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var stored = await app.Clicks.Find(Builders<BsonDocument>.Filter.Eq("deviceId", device)).SingleAsync();
        Assert.Equal(AppFixture.WriterClientId, stored["clientId"].AsString);
    }

    [Fact]
    public async Task Health_needs_no_token()
    {
        using var response = await app.AnonymousClient.GetAsync(new Uri("api/health", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Same_token_is_accepted_again_and_again()
    {
        var token = await app.IssueTokenAsync(AppFixture.WriterClientId);

        for (var i = 0; i < 5; i++)
        {
            var device = "AUTHRE" + Guid.NewGuid().ToString("N")[..10];
            using var response = await PostClickAsync(app.AnonymousClient, AuthShape.Bearer(token), device);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }
    }

    /// <summary>POSTs one rule-enriched classic click for <paramref name="device"/>; <paramref name="auth"/> null = the client's own header.</summary>
    internal static async Task<HttpResponseMessage> PostClickAsync(HttpClient client, AuthShape? auth, string device)
    {
        var path = auth?.Query is { } query ? $"api/clicks?{query}" : "api/clicks";
        var body = $$"""{"serialNumber":"{{device}}","batteryVoltage":"1705mV","clickType":"SINGLE","topic":"iotbutton/{{device}}","receivedAtMs":{{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}},"traceId":"{{Guid.NewGuid()}}"}""";
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        if (auth is not null && auth.Authorization.Count > 0)
        {
            request.Headers.TryAddWithoutValidation("Authorization", auth.Authorization);
        }

        return await client.SendAsync(request);
    }
}

/// <summary>Auth0-style key rotation with the app running: no restart, no 401s.</summary>
public sealed class KeyRotationEndToEndTests(RotationAppFixture app) : IClassFixture<RotationAppFixture>
{
    [Fact]
    public async Task Tokens_signed_after_key_rotations_validate_without_a_restart()
    {
        using (var before = await AuthEndToEndTests.PostClickAsync(app.Client, null, "ROTATE0" + Guid.NewGuid().ToString("N")[..8]))
        {
            Assert.Equal(HttpStatusCode.Created, before.StatusCode);
        }

        var jwksFetches = app.Issuer.JwksRequestCount;

        // First rotation: the new signing key was already published as "next".
        app.Issuer.Rotate();
        using (var afterOne = await AuthEndToEndTests.PostClickAsync(app.AnonymousClient,
            AuthShape.Bearer(await app.IssueTokenAsync(AppFixture.WriterClientId)), "ROTATE1" + Guid.NewGuid().ToString("N")[..8]))
        {
            Assert.Equal(HttpStatusCode.Created, afterOne.StatusCode);
        }

        Assert.Equal(jwksFetches, app.Issuer.JwksRequestCount);

        // Second rotation: the signing key appeared after the app's fetch; one refresh, then accepted.
        app.Issuer.Rotate();
        using (var afterTwo = await AuthEndToEndTests.PostClickAsync(app.AnonymousClient,
            AuthShape.Bearer(await app.IssueTokenAsync(AppFixture.WriterClientId)), "ROTATE2" + Guid.NewGuid().ToString("N")[..8]))
        {
            Assert.Equal(HttpStatusCode.Created, afterTwo.StatusCode);
        }

        Assert.Equal(jwksFetches + 1, app.Issuer.JwksRequestCount);
    }
}

/// <summary>Forged key ids cannot make the app hammer the issuer.</summary>
public sealed class ForgedKidFloodEndToEndTests(FloodAppFixture app, ITestOutputHelper output) : IClassFixture<FloodAppFixture>
{
    [Fact]
    public async Task Forged_kid_flood_is_refused_with_at_most_one_metadata_fetch()
    {
        // Make the app fetch its metadata once, so the flood starts from a warm app.
        using (var warm = await AuthEndToEndTests.PostClickAsync(app.Client, null, "FLOOD0" + Guid.NewGuid().ToString("N")[..8]))
        {
            Assert.Equal(HttpStatusCode.Created, warm.StatusCode);
        }

        var discovery = app.Issuer.DiscoveryRequestCount;
        var jwks = app.Issuer.JwksRequestCount;
        var forge = new TokenForge(app.Issuer);

        var statuses = new List<HttpStatusCode>();
        for (var batch = 0; batch < 10; batch++)
        {
            var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
            {
                var token = forge.Sign(credentials: TokenForge.Foreign($"forged-{batch}-{i}"));
                using var response = await AuthEndToEndTests.PostClickAsync(app.AnonymousClient, AuthShape.Bearer(token), $"FLOOD{batch}X{i}");
                return response.StatusCode;
            }));
            statuses.AddRange(responses);
        }

        output.WriteLine($"200 forged-kid requests: {app.Issuer.DiscoveryRequestCount - discovery} discovery and {app.Issuer.JwksRequestCount - jwks} JWKS fetches");
        Assert.Equal(200, statuses.Count);
        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.Unauthorized, s));
        Assert.InRange(app.Issuer.DiscoveryRequestCount - discovery, 0, 1);
        Assert.InRange(app.Issuer.JwksRequestCount - jwks, 0, 1);
        var flooded = Enumerable.Range(0, 10).SelectMany(b => Enumerable.Range(0, 20).Select(i => $"FLOOD{b}X{i}"));
        Assert.Equal(0, await app.Clicks.CountDocumentsAsync(Builders<BsonDocument>.Filter.In("deviceId", flooded)));
    }
}
