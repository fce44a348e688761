using ButtonFunctions.Auth;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace ButtonFunctions.Tests.Auth;

[Trait("Category", "Unit")]
public sealed class ValidatedTokenCacheTests(TestIssuer issuer) : IClassFixture<TestIssuer>
{
    private static readonly Caller Someone = new("client", new HashSet<string> { "write:clicks" });

    [Fact]
    public void Entry_never_outlives_the_token_expiry()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var cache = new ValidatedTokenCache(Options.Create(new Auth0Options { ValidatedTokenCacheLifetime = TimeSpan.FromMinutes(5) }), time);
        cache.Add("k", Someone, time.GetUtcNow().AddSeconds(60));

        time.Advance(TimeSpan.FromSeconds(59));
        Assert.True(cache.TryGet("k", out _));

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(cache.TryGet("k", out _));
    }

    [Fact]
    public void Entry_never_outlives_the_configured_cap()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var cache = new ValidatedTokenCache(Options.Create(new Auth0Options { ValidatedTokenCacheLifetime = TimeSpan.FromMinutes(5) }), time);
        cache.Add("k", Someone, time.GetUtcNow().AddHours(24));

        time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));
        Assert.True(cache.TryGet("k", out _));

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(cache.TryGet("k", out _));
    }

    [Fact]
    public void Already_expired_token_is_not_cached()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var cache = new ValidatedTokenCache(Options.Create(new Auth0Options()), time);

        cache.Add("k", Someone, time.GetUtcNow().AddSeconds(-1));

        Assert.False(cache.TryGet("k", out _));
    }

    [Fact]
    public void Cache_is_bounded()
    {
        using var cache = new ValidatedTokenCache(Options.Create(new Auth0Options { ValidatedTokenCacheSize = 10 }), TimeProvider.System);

        for (var i = 0; i < 50; i++)
        {
            cache.Add($"k{i}", Someone, DateTimeOffset.UtcNow.AddHours(1));
        }

        Assert.InRange(cache.Count, 1, 10);
    }

    [Fact]
    public void Key_is_the_sha256_of_the_token_not_the_token()
    {
        var key = ValidatedTokenCache.KeyFor(issuer.WriterToken);

        Assert.Equal(64, key.Length);
        Assert.DoesNotContain(key, issuer.WriterToken, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(issuer.WriterToken))), key);
    }

    [Fact]
    public async Task Validated_token_is_served_from_the_cache_until_its_expiry_then_checked_again()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var pipeline = issuer.Pipeline(time);
        var token = issuer.Forge.Sign(c => c["exp"] = time.GetUtcNow().AddSeconds(90).ToUnixTimeSeconds());
        var key = ValidatedTokenCache.KeyFor(token);

        Assert.True((await pipeline.Validator.ValidateAsync(token, default)).IsValid);
        Assert.True(pipeline.Cache.TryGet(key, out var cached));
        Assert.Equal(TestIssuer.Writer, cached.ClientId);

        time.Advance(TimeSpan.FromSeconds(91));

        Assert.False(pipeline.Cache.TryGet(key, out _));
    }

    [Fact]
    public async Task Refused_token_is_never_cached()
    {
        using var pipeline = issuer.Pipeline();
        var tampered = TokenForge.TamperSignature(issuer.WriterToken);

        var first = await pipeline.Validator.ValidateAsync(tampered, default);
        var second = await pipeline.Validator.ValidateAsync(tampered, default);

        Assert.False(first.IsValid);
        Assert.False(second.IsValid);
        Assert.False(pipeline.Cache.TryGet(ValidatedTokenCache.KeyFor(tampered), out _));
        Assert.Equal(0, pipeline.Cache.Count);
    }

    [Fact]
    public async Task Token_of_a_disallowed_client_is_not_cached()
    {
        using var pipeline = issuer.Pipeline();

        Assert.False((await pipeline.Validator.ValidateAsync(issuer.StrangerToken, default)).IsValid);

        Assert.False(pipeline.Cache.TryGet(ValidatedTokenCache.KeyFor(issuer.StrangerToken), out _));
    }
}
