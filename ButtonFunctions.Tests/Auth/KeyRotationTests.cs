using ButtonFunctions.Auth;
using Xunit.Abstractions;
using ButtonFunctions.Tests.Support;

namespace ButtonFunctions.Tests.Auth;

/// <summary>Auth0 signing-key rotation, against a real LocalIssuer (each test gets its own issuer so fetch counts are its own).</summary>
[Trait("Category", "Unit")]
public sealed class KeyRotationTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly TestIssuer _issuer = new();

    public Task InitializeAsync() => _issuer.InitializeAsync();

    public Task DisposeAsync() => _issuer.DisposeAsync();

    [Fact]
    public async Task Token_signed_with_the_published_next_key_validates_without_a_refetch()
    {
        using var pipeline = _issuer.Pipeline();
        await AssertAcceptedAsync(pipeline, _issuer.WriterToken);
        var jwksFetches = _issuer.Server.JwksRequestCount;

        _issuer.Server.Rotate();
        var token = await _issuer.IssueAsync(TestIssuer.Writer);

        await AssertAcceptedAsync(pipeline, token);
        Assert.Equal(jwksFetches, _issuer.Server.JwksRequestCount);
    }

    [Fact]
    public async Task Token_signed_with_a_key_published_after_our_fetch_triggers_one_refresh_then_validates()
    {
        using var pipeline = _issuer.Pipeline();
        await AssertAcceptedAsync(pipeline, _issuer.WriterToken);
        var jwksFetches = _issuer.Server.JwksRequestCount;

        // Two rotations: the signing key is now one that did not exist when the app fetched the JWKS.
        _issuer.Server.Rotate();
        _issuer.Server.Rotate();
        var token = await _issuer.IssueAsync(TestIssuer.Writer);

        await AssertAcceptedAsync(pipeline, token);
        Assert.Equal(jwksFetches + 1, _issuer.Server.JwksRequestCount);

        // Tokens signed before the rotations still validate (the previous key stays published).
        await AssertAcceptedAsync(pipeline, await _issuer.IssueAsync(TestIssuer.Writer));
    }

    [Fact]
    public async Task Forged_kid_flood_causes_at_most_one_metadata_fetch_per_refresh_interval()
    {
        using var pipeline = _issuer.Pipeline();
        await AssertAcceptedAsync(pipeline, _issuer.WriterToken);
        var discovery = _issuer.Server.DiscoveryRequestCount;
        var jwks = _issuer.Server.JwksRequestCount;

        var forged = Enumerable.Range(0, 200)
            .Select(i => _issuer.Forge.Sign(credentials: TokenForge.Foreign($"forged-{i}")))
            .ToList();
        var decisions = await Task.WhenAll(forged.Select(token =>
            pipeline.Gate.DecideAsync("IngestClicks", AccessGateTests.Post(AuthShape.Bearer(token)), default).AsTask()));

        output.WriteLine($"200 forged-kid requests: {_issuer.Server.DiscoveryRequestCount - discovery} discovery and {_issuer.Server.JwksRequestCount - jwks} JWKS fetches");
        Assert.All(decisions, d => Assert.Equal(401, d.StatusCode));
        Assert.InRange(_issuer.Server.DiscoveryRequestCount - discovery, 0, 1);
        Assert.InRange(_issuer.Server.JwksRequestCount - jwks, 0, 1);
    }

    [Fact]
    public async Task Unknown_kid_after_the_refresh_interval_may_refresh_again()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        using var pipeline = _issuer.Pipeline(time, o => o.MetadataRefreshInterval = TimeSpan.FromSeconds(1));
        await AssertAcceptedAsync(pipeline, _issuer.WriterToken);
        var jwks = _issuer.Server.JwksRequestCount;

        await pipeline.Gate.DecideAsync("IngestClicks", AccessGateTests.Post(AuthShape.Bearer(_issuer.Forge.Sign(credentials: TokenForge.Foreign("a")))), default);
        await pipeline.Gate.DecideAsync("IngestClicks", AccessGateTests.Post(AuthShape.Bearer(_issuer.Forge.Sign(credentials: TokenForge.Foreign("b")))), default);
        Assert.Equal(jwks + 1, _issuer.Server.JwksRequestCount);

        // ConfigurationManager keeps its own floor (RefreshInterval, real clock); wait on the condition, not a fixed sleep.
        time.Advance(TimeSpan.FromSeconds(2));
        await Eventually.TrueAsync(async () =>
        {
            await pipeline.Gate.DecideAsync("IngestClicks", AccessGateTests.Post(AuthShape.Bearer(_issuer.Forge.Sign(credentials: TokenForge.Foreign("c")))), default);
            time.Advance(TimeSpan.FromSeconds(2));
            return _issuer.Server.JwksRequestCount != jwks + 1;
        });

        Assert.Equal(jwks + 2, _issuer.Server.JwksRequestCount);
    }

    private static async Task AssertAcceptedAsync(AuthPipeline pipeline, string token)
    {
        var decision = await pipeline.Gate.DecideAsync("IngestClicks", AccessGateTests.Post(AuthShape.Bearer(token)), default);
        Assert.True(decision.Allowed, decision.Detail);
    }
}
