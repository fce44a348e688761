using System.Net;
using System.Net.Http.Json;
using ButtonFunctions.Functions;
using ButtonFunctions.Tests.EndToEnd;

namespace ButtonFunctions.Tests.LocalHost;

/// <summary>The production app, unchanged, in a real worker behind LocalHost (with its LocalMongo and LocalIssuer).</summary>
[Collection(SharedApp.Name)]
public sealed class ButtonFunctionsThroughLocalHostTests(SharedAppFixture fixture)
{
    [Fact]
    public async Task Health_answers_200_with_app_name_and_version()
    {
        using var response = await fixture.AnonymousClient.GetAsync(new Uri("api/health", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var report = await response.Content.ReadFromJsonAsync<HealthReport>();
        Assert.Equal(new HealthReport("ButtonFunctions", "0.1.0", "Healthy"), report);
    }

    [Fact]
    public async Task Health_refuses_other_methods_and_unknown_routes_with_404_as_Azure_does()
    {
        using var post = await fixture.AnonymousClient.PostAsync(new Uri("api/health", UriKind.Relative), new StringContent(""));
        using var unknown = await fixture.AnonymousClient.GetAsync(new Uri("api/no-such-function", UriKind.Relative));
        using var noPrefix = await fixture.AnonymousClient.GetAsync(new Uri("health", UriKind.Relative));

        // The Functions host answers an undeclared method on a declared route 404, not 405.
        Assert.Equal(HttpStatusCode.NotFound, post.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, noPrefix.StatusCode);
    }

    [Fact]
    public void LocalHost_reports_the_functions_the_worker_loaded()
    {
        var health = Assert.Single(fixture.Host.Functions, f => f.Name == "Health");

        Assert.Equal("", fixture.Host.RoutePrefix);
        Assert.Equal(["GET"], health.Methods);
        Assert.Equal("api/health", health.Route);
        Assert.Equal("api/health", health.RouteTemplate);
        Assert.Equal("Anonymous", health.AuthLevel);
        Assert.True(fixture.Host.WorkerProcessId > 0);
    }
}
