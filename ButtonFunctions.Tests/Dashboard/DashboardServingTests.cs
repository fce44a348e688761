using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ButtonFunctions.Tests.EndToEnd;

namespace ButtonFunctions.Tests.Dashboard;

/// <summary>The function app with the dashboard client configured, as LocalHost would start it.</summary>
public sealed class DashboardAppFixture : AppFixture
{
    public const string DashboardClientId = "dashboard-spa";

    protected override void Configure(IDictionary<string, string?> settings) => settings["Dashboard__ClientId"] = DashboardClientId;
}

/// <summary>The dashboard as the real worker serves it through LocalHost: headers, caching, fallback, and no way out.</summary>
public sealed partial class DashboardServingTests(DashboardAppFixture app) : IClassFixture<DashboardAppFixture>
{
    [Fact]
    public async Task The_page_comes_with_its_security_headers_and_is_revalidated()
    {
        using var response = await app.AnonymousClient.GetAsync(new Uri("/dashboard/", UriKind.Relative));
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("script-src 'self';", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Contains($"connect-src 'self' {app.Issuer.Authority.GetLeftPart(UriPartial.Authority)};", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
        Assert.True(response.Headers.CacheControl?.NoCache);
        Assert.NotNull(response.Headers.ETag);

        // The built page has no inline script for the CSP to forbid: only the bundle, from /dashboard/assets/.
        var scripts = ScriptTag().Matches(html).Select(m => m.Value).ToList();
        Assert.NotEmpty(scripts);
        Assert.All(scripts, tag => Assert.Matches("src=\"/dashboard/assets/[^\"]+\\.js\"", tag));
    }

    [Fact]
    public async Task Hashed_assets_are_cacheable_typed_compressed_and_revalidate_to_304()
    {
        var asset = await FirstScriptAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, asset);
        request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("gzip"));
        using var response = await app.AnonymousClient.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/javascript", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("public, max-age=31536000, immutable", response.Headers.CacheControl?.ToString());
        Assert.Equal(["gzip"], response.Content.Headers.ContentEncoding);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());

        using var again = new HttpRequestMessage(HttpMethod.Get, asset);
        again.Headers.IfNoneMatch.Add(response.Headers.ETag!);
        using var notModified = await app.AnonymousClient.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
    }

    [Fact]
    public async Task The_address_without_its_slash_redirects_and_app_addresses_get_the_page()
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = app.Host.BaseAddress };
        using var bare = await http.GetAsync(new Uri("/dashboard?device=a", UriKind.Relative));
        Assert.Equal(HttpStatusCode.MovedPermanently, bare.StatusCode);
        Assert.Equal("/dashboard/?device=a", bare.Headers.Location?.OriginalString);

        using var deep = await http.GetAsync(new Uri("/dashboard/devices/kitchen", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, deep.StatusCode);
        Assert.Contains("<title>Button clicks", await deep.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Config_json_names_the_local_issuer_and_the_client()
    {
        using var response = await app.AnonymousClient.GetAsync(new Uri("/dashboard/config.json", UriKind.Relative));
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(app.Issuer.Authority.AbsoluteUri, json.RootElement.GetProperty("authority").GetString());
        Assert.Equal(DashboardAppFixture.DashboardClientId, json.RootElement.GetProperty("clientId").GetString());
        Assert.Equal(AppFixture.Audience, json.RootElement.GetProperty("audience").GetString());
        Assert.Equal("read:clicks", json.RootElement.GetProperty("scope").GetString());
    }

    /// <summary>Sent byte for byte (HttpClient would tidy the dot segments away before they reach the server).</summary>
    [Theory]
    [InlineData("/dashboard/../host.json")]
    [InlineData("/dashboard/%2e%2e/host.json")]
    [InlineData("/dashboard/%2E%2E%2Fhost.json")]
    [InlineData("/dashboard/assets/..%2f..%2fButtonFunctions.dll")]
    [InlineData("/dashboard/..%5c..%5cButtonFunctions.dll")]
    [InlineData("/dashboard/ButtonFunctions.dll")]
    [InlineData("/dashboard/functions.metadata")]
    [InlineData("/dashboard/%2fetc%2fpasswd")]
    [InlineData("/dashboard/assets/nothing-here.js")]
    public async Task No_path_reaches_a_file_outside_the_dashboard(string rawPath)
    {
        var (status, body) = await RawGetAsync(rawPath);

        Assert.DoesNotContain("\"version\": \"2.0\"", body, StringComparison.Ordinal); // host.json
        Assert.DoesNotContain("MZ", body[..Math.Min(body.Length, 2)], StringComparison.Ordinal); // a DLL
        Assert.DoesNotContain("root:", body, StringComparison.Ordinal);
        Assert.DoesNotContain("scriptFile", body, StringComparison.Ordinal); // functions.metadata
        Assert.True(status is 404 or 400 || (status == 200 && body.Contains("<title>Button clicks", StringComparison.Ordinal)),
            $"{rawPath} answered {status}: {body[..Math.Min(body.Length, 200)]}");
    }

    private async Task<Uri> FirstScriptAsync()
    {
        var html = await app.AnonymousClient.GetStringAsync(new Uri("/dashboard/", UriKind.Relative));
        var src = ScriptSource().Match(html).Groups[1].Value;
        return new Uri(src, UriKind.Relative);
    }

    private async Task<(int Status, string Body)> RawGetAsync(string rawPath)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, app.Host.BaseAddress.Port);
        await using var stream = tcp.GetStream();
        var request = $"GET {rawPath} HTTP/1.1\r\nHost: 127.0.0.1:{app.Host.BaseAddress.Port}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.Latin1);
        var text = await reader.ReadToEndAsync();
        var status = int.Parse(text.Split(' ', 3)[1], System.Globalization.CultureInfo.InvariantCulture);
        var body = text[(text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];
        return (status, body);
    }

    [GeneratedRegex("<script[^>]*>")]
    private static partial Regex ScriptTag();

    [GeneratedRegex("<script[^>]*src=\"([^\"]+)\"")]
    private static partial Regex ScriptSource();
}
