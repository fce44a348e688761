using System.Net;
using System.Text.Json;

namespace ButtonFunctions.Tests.EndToEnd;

/// <summary><c>GET /api/health?ready</c> against the real worker, LocalMongo and LocalIssuer.</summary>
[Collection(SharedApp.Name)]
public sealed class ReadinessEndToEndTests(SharedAppFixture fixture)
{
    [Fact]
    public async Task Ready_follows_the_store_down_and_back_while_liveness_stays_200()
    {
        using (var ready = await fixture.AnonymousClient.GetAsync(new Uri("api/health?ready", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            using var body = JsonDocument.Parse(await ready.Content.ReadAsStringAsync());
            Assert.Equal("Ready", body.RootElement.GetProperty("status").GetString());
            Assert.Equal("Healthy", body.RootElement.GetProperty("checks").GetProperty("store").GetProperty("status").GetString());
            Assert.Equal("Healthy", body.RootElement.GetProperty("checks").GetProperty("issuer").GetProperty("status").GetString());
        }

        await fixture.Mongo.StopListeningAsync();
        try
        {
            using var notReady = await fixture.AnonymousClient.GetAsync(new Uri("api/health?ready", UriKind.Relative));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
            Assert.NotNull(notReady.Headers.RetryAfter);
            using var body = JsonDocument.Parse(await notReady.Content.ReadAsStringAsync());
            Assert.Equal("Unhealthy", body.RootElement.GetProperty("checks").GetProperty("store").GetProperty("status").GetString());
            Assert.DoesNotContain("mongodb://", body.RootElement.GetRawText(), StringComparison.OrdinalIgnoreCase);

            using var live = await fixture.AnonymousClient.GetAsync(new Uri("api/health", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        }
        finally
        {
            await fixture.Mongo.ResumeListeningAsync();
        }

        using var readyAgain = await fixture.AnonymousClient.GetAsync(new Uri("api/health?ready", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, readyAgain.StatusCode);
    }
}
