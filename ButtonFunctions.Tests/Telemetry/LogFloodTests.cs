using ButtonFunctions.Auth;
using ButtonFunctions.Destinations;
using ButtonFunctions.Diagnostics;
using ButtonFunctions.Tests.Auth;
using ButtonFunctions.Tests.LocalHost;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace ButtonFunctions.Tests.Telemetry;

/// <summary>An attack must not be able to flood the log: lines anyone can provoke are sampled, and still counted.</summary>
[Collection(TelemetryGroup.Name)]
[Trait("Category", "Unit")]
public sealed class LogFloodTests(TestIssuer issuer) : IClassFixture<TestIssuer>
{
    [Fact]
    public async Task A_thousand_forged_key_ids_write_a_bounded_number_of_lines_and_the_next_one_counts_the_rest()
    {
        using var capture = new TelemetryCapture();
        var logs = new CapturingLoggerProvider();
        using var loggers = LoggerFactory.Create(logging => logging.SetMinimumLevel(LogLevel.Trace).AddProvider(logs));
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = Options.Create(issuer.AppOptions());
        using var metadata = new IssuerMetadata(options, time, loggers.CreateLogger<IssuerMetadata>());
        using var cache = new ValidatedTokenCache(options, time);
        using var confirmations = new ConfirmationRateLimiter(Options.Create(new DestinationOptions()), loggers.CreateLogger<ConfirmationRateLimiter>());
        var gate = new AccessGate(
            new AccessTokenValidator(options, metadata, cache, time, loggers.CreateLogger<AccessTokenValidator>()),
            options, confirmations, loggers.CreateLogger<AccessGate>());

        async Task<AccessDecision> ForgedAsync()
        {
            var http = new DefaultHttpContext();
            http.Request.Headers.Authorization = "Bearer " + issuer.Forge.Sign(credentials: TokenForge.Foreign("forged-" + Guid.NewGuid().ToString("N")));
            return await gate.DecideAsync("IngestClicks", http.Request, default);
        }

        for (var i = 0; i < 1_000; i++)
        {
            Assert.Equal(401, (await ForgedAsync()).StatusCode);
        }

        // One refresh (the first unknown kid), one "refresh skipped" and one "refused" line: not 2,000.
        var flood = logs.Entries.ToList();
        Assert.True(flood.Count <= 4, "lines: " + string.Join(" | ", flood.Select(e => e.Message)));
        Assert.Single(flood, e => e.Message.Contains("refreshing the issuer's signing keys", StringComparison.Ordinal));
        Assert.Single(flood, e => e.Level == LogLevel.Warning && e.Message.Contains("refusing without another fetch", StringComparison.Ordinal));
        var first = Assert.Single(flood, e => e.Message.StartsWith("Access token refused", StringComparison.Ordinal));
        Assert.Contains("The token signing key is not known", first.Message, StringComparison.Ordinal); // enough to act on
        Assert.Contains("(0 more", first.Message, StringComparison.Ordinal);

        // The counters saw every one of them.
        Assert.Equal(1_000, capture.Sum("buttonfunctions.auth.token_cache.misses"));
        Assert.Equal(1, capture.Sum("buttonfunctions.auth.jwks.refreshes", (AppMetrics.OutcomeTag, "fetched")));
        Assert.Equal(999, capture.Sum("buttonfunctions.auth.jwks.refreshes", (AppMetrics.OutcomeTag, "rate_limited")));

        // A minute later the next one is logged again, saying how many were held back meanwhile.
        time.Advance(LogSampler.DefaultInterval);
        await ForgedAsync();
        var later = logs.Entries.Skip(flood.Count).ToList();
        Assert.Contains(later, e => e.Message.StartsWith("Access token refused", StringComparison.Ordinal) && e.Message.Contains("(999 more", StringComparison.Ordinal));
    }

    [Fact]
    public void The_sampler_lets_the_first_line_through_then_one_per_interval_counting_the_rest()
    {
        var time = new FakeTimeProvider();
        var sampler = new LogSampler(TimeSpan.FromMinutes(1), time);

        Assert.True(sampler.ShouldLog(out var first));
        var held = Enumerable.Range(0, 5).Count(i => !sampler.ShouldLog(out var ignored));
        time.Advance(TimeSpan.FromSeconds(59));
        Assert.False(sampler.ShouldLog(out _));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(sampler.ShouldLog(out var heldBack));

        Assert.Equal(0, first);
        Assert.Equal(5, held);
        Assert.Equal(6, heldBack);
    }

    [Fact]
    public async Task Concurrent_callers_get_exactly_one_line_per_interval()
    {
        var sampler = new LogSampler(TimeSpan.FromHours(1), new FakeTimeProvider());
        var logged = 0;

        await Task.WhenAll(Enumerable.Range(0, 8).Select(worker => Task.Run(() =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                if (sampler.ShouldLog(out _))
                {
                    Interlocked.Increment(ref logged);
                }
            }
        })));

        Assert.Equal(1, logged);
    }
}
