using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace ButtonFunctions.Tests.Dashboard;

/// <summary><c>/dashboard/config.json</c> comes from app settings, per environment, never from the bundle.</summary>
public sealed class DashboardConfigTests
{
    [Fact]
    public async Task Config_names_the_authority_client_audience_and_read_scope_of_the_settings()
    {
        var (status, headers, body) = await RunAsync("config.json", new()
        {
            ["Auth0:Domain"] = "tenant.eu.auth0.com",
            ["Auth0:Audience"] = "https://buttons.example.com",
            ["Dashboard:ClientId"] = "spa-client-id",
        });

        Assert.Equal(200, status);
        Assert.Equal("no-store", headers.CacheControl.ToString());
        using var json = JsonDocument.Parse(body);
        Assert.Equal("https://tenant.eu.auth0.com/", json.RootElement.GetProperty("authority").GetString());
        Assert.Equal("spa-client-id", json.RootElement.GetProperty("clientId").GetString());
        Assert.Equal("https://buttons.example.com", json.RootElement.GetProperty("audience").GetString());
        Assert.Equal("read:clicks", json.RootElement.GetProperty("scope").GetString());
        Assert.Contains("connect-src 'self' https://tenant.eu.auth0.com;", headers.ContentSecurityPolicy.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_client_id_the_page_is_told_which_setting_is_missing()
    {
        var (status, headers, body) = await RunAsync("config.json", new()
        {
            ["Auth0:Domain"] = "tenant.eu.auth0.com",
            ["Auth0:Audience"] = "https://buttons.example.com",
        });

        Assert.Equal(503, status);
        Assert.Equal("application/problem+json", headers.ContentType.ToString());
        using var json = JsonDocument.Parse(body);
        Assert.Equal("urn:buttonfunctions:problem:dashboard-not-configured", json.RootElement.GetProperty("type").GetString());
        Assert.Contains("Dashboard__ClientId", json.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    private static async Task<(int Status, IHeaderDictionary Headers, string Body)> RunAsync(string path, Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var function = new ButtonFunctions.Functions.Dashboard(configuration, NullLogger<ButtonFunctions.Functions.Dashboard>.Instance);
        var context = new DefaultHttpContext();
        context.Request.Path = "/dashboard/" + path;
        context.Response.Body = new MemoryStream();

        var result = function.Run(context.Request, path);
        await result.ExecuteResultAsync(new ActionContext(context, new RouteData(), new Microsoft.AspNetCore.Mvc.Abstractions.ActionDescriptor()));

        context.Response.Body.Position = 0;
        return (context.Response.StatusCode, context.Response.Headers, await new StreamReader(context.Response.Body).ReadToEndAsync());
    }
}
