using ButtonSimulator.Delivery;
using ButtonSimulator.Tokens;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace ButtonFunctions.Tests.Simulator;

[Trait("Category", "Unit")]
public sealed class TokenCacheTests
{
    [Fact]
    public async Task Many_clicks_use_one_token_request()
    {
        await using var harness = await SimulatorHarness.StartAsync(SimulatorHarness.Created);
        using var tokens = harness.Tokens();
        var sender = harness.Sender(tokens);

        var reports = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => sender.SendAsync([SimulatorHarness.Click($"DEVICE{i}")], asBatch: false, CancellationToken.None)));

        Assert.All(reports, r => Assert.Equal(DeliveryOutcome.Accepted, r.Outcome));
        Assert.Equal(1, tokens.TokenRequests);
        Assert.Equal(1, harness.TokensIssued);
        Assert.All(harness.IngestRequests, r => Assert.Equal("Bearer token-1", r.Header("Authorization")));
        Assert.Equal(50, harness.IngestRequests.Count());
    }

    [Fact]
    public async Task Concurrent_callers_without_a_token_share_one_request()
    {
        await using var harness = await SimulatorHarness.StartAsync(SimulatorHarness.Created);
        harness.TokenGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var tokens = harness.Tokens();

        var callers = Enumerable.Range(0, 20).Select(_ => tokens.GetTokenAsync(CancellationToken.None).AsTask()).ToArray();
        harness.TokenGate.SetResult();
        var results = await Task.WhenAll(callers);

        Assert.All(results, t => Assert.Equal("token-1", t));
        Assert.Equal(1, harness.TokensIssued);
    }

    [Fact]
    public async Task Token_is_refreshed_shortly_before_it_expires()
    {
        await using var harness = await SimulatorHarness.StartAsync(SimulatorHarness.Created);
        harness.ExpiresIn = 3600;
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-25T20:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        using var tokens = harness.Tokens(time);

        Assert.Equal("token-1", await tokens.GetTokenAsync(CancellationToken.None));
        // A 1 h token is renewed 5 minutes early (5 min < 10% of its lifetime).
        time.Advance(TimeSpan.FromMinutes(54) + TimeSpan.FromSeconds(59));
        Assert.Equal("token-1", await tokens.GetTokenAsync(CancellationToken.None));
        Assert.Equal(1, harness.TokensIssued);

        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal("token-2", await tokens.GetTokenAsync(CancellationToken.None));
        Assert.Equal(2, harness.TokensIssued);
    }

    [Fact]
    public async Task Short_lived_token_is_refreshed_at_ninety_percent_of_its_lifetime()
    {
        await using var harness = await SimulatorHarness.StartAsync(SimulatorHarness.Created);
        harness.ExpiresIn = 600;
        var time = new FakeTimeProvider();
        using var tokens = harness.Tokens(time);

        await tokens.GetTokenAsync(CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(539));
        await tokens.GetTokenAsync(CancellationToken.None);
        Assert.Equal(1, harness.TokensIssued);
        time.Advance(TimeSpan.FromSeconds(2));
        await tokens.GetTokenAsync(CancellationToken.None);
        Assert.Equal(2, harness.TokensIssued);
    }

    [Fact]
    public async Task A_401_from_the_function_triggers_exactly_one_refresh_and_one_resend()
    {
        await using var harness = await SimulatorHarness.StartAsync((context, request) =>
        {
            if (request.Header("Authorization") == "Bearer token-1")
            {
                context.Response.StatusCode = 401;
                context.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
                return Task.CompletedTask;
            }

            return SimulatorHarness.Created(context, request);
        });
        using var tokens = harness.Tokens();
        var sender = harness.Sender(tokens);

        var report = await sender.SendAsync([SimulatorHarness.Click()], asBatch: false, CancellationToken.None);

        Assert.Equal(DeliveryOutcome.Accepted, report.Outcome);
        Assert.Equal(1, report.TokenRefreshes);
        Assert.Equal(2, harness.TokensIssued);
        Assert.Equal(["Bearer token-1", "Bearer token-2"], harness.IngestRequests.Select(r => r.Header("Authorization")));
        Assert.Empty(harness.Errors.Records);
    }

    [Fact]
    public async Task A_function_that_keeps_answering_401_gets_one_resend_then_the_error_action()
    {
        await using var harness = await SimulatorHarness.StartAsync((context, _) =>
        {
            context.Response.StatusCode = 401;
            return Task.CompletedTask;
        });
        using var tokens = harness.Tokens();
        var sender = harness.Sender(tokens);

        var report = await sender.SendAsync([SimulatorHarness.Click()], asBatch: false, CancellationToken.None);

        Assert.Equal(DeliveryOutcome.Rejected, report.Outcome);
        Assert.Equal(2, harness.TokensIssued);
        Assert.Equal(2, harness.IngestRequests.Count());
        Assert.Single(harness.Errors.Records);
    }

    [Fact]
    public async Task A_refused_token_request_is_reported_with_the_issuer_error()
    {
        await using var server = await StubServer.StartAsync((context, _) =>
        {
            context.Response.StatusCode = 401;
            return context.Response.WriteAsJsonAsync(new { error = "access_denied", error_description = "Unauthorized" });
        });
        using var http = new HttpClient();
        using var tokens = new ClientCredentialsTokenCache(http, new TokenEndpoint(new Uri(server.BaseAddress, "oauth/token"), "id", "wrong", "aud"), TimeProvider.System);

        var error = await Assert.ThrowsAsync<TokenRequestException>(() => tokens.GetTokenAsync(CancellationToken.None).AsTask());

        Assert.Contains("HTTP 401 access_denied", error.Message, StringComparison.Ordinal);
        var form = server.Requests.Single().BodyText;
        Assert.Contains("grant_type=client_credentials", form, StringComparison.Ordinal);
        Assert.Contains("audience=aud", form, StringComparison.Ordinal);
    }
}
