using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using ButtonFunctions.Tests.Support;

namespace ButtonFunctions.Tests.LocalHost;

/// <summary>What LocalHost delivers to a real worker and back, through tools/LocalHost.TestApp (route prefix "test").</summary>
public sealed class ForwardingTests(TestAppHostFixture fixture) : IClassFixture<TestAppHostFixture>
{
    private HttpClient Client => fixture.Client;

    [Fact]
    public async Task Route_values_query_string_headers_and_body_arrive_intact()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "test/echo/42/caf%C3%A9?q=a%20b&tag=1&tag=2&empty=")
        {
            Content = new StringContent("{\"hello\":\"wörld\"}", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Custom", "custom value");

        using var response = await Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var echo = await response.Content.ReadFromJsonAsync<EchoReport>();
        Assert.NotNull(echo);
        Assert.Equal(42, echo.Id);
        Assert.Equal("café", echo.Name);
        Assert.Equal("POST", echo.Method);
        Assert.Equal("/test/echo/42/caf%C3%A9", echo.Path);
        Assert.Equal("42", echo.RouteValues["id"]);
        Assert.Equal("café", echo.RouteValues["name"]);
        Assert.Equal("a b", echo.Query["q"]);
        Assert.Equal("1,2", echo.Query["tag"]);
        Assert.Equal("", echo.Query["empty"]);
        Assert.Equal("custom value", echo.Headers["X-Custom"]);
        Assert.StartsWith("application/json", echo.Headers["Content-Type"], StringComparison.Ordinal);
        Assert.Equal("{\"hello\":\"wörld\"}", echo.Body);
        // The worker sees the front end's host (X-Forwarded-Host), as a function in Azure sees the public host name.
        Assert.Equal(fixture.Host.BaseAddress.Authority, echo.Host);
    }

    [Fact]
    public async Task Client_supplied_invocation_id_header_cannot_break_the_pairing()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "test/echo/5");
        request.Headers.Add("x-ms-invocation-id", "11111111-1111-1111-1111-111111111111");

        using var response = await Client.SendAsync(request);

        // Appended next to the client's value, LocalHost's id no longer matched the InvocationRequest: the worker
        // waited 15 s for a function context that never came and the caller got a 500.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var echo = await response.Content.ReadFromJsonAsync<EchoReport>();
        Assert.NotNull(echo);
        Assert.Equal(5, echo.Id);
        Assert.NotEqual("11111111-1111-1111-1111-111111111111", echo.Headers["x-ms-invocation-id"]);
        Assert.True(Guid.TryParse(echo.Headers["x-ms-invocation-id"], out _), echo.Headers["x-ms-invocation-id"]);
    }

    [Fact]
    public async Task Optional_route_parameter_may_be_left_out()
    {
        var echo = await Client.GetFromJsonAsync<EchoReport>(new Uri("test/echo/7", UriKind.Relative));

        Assert.NotNull(echo);
        Assert.Equal(7, echo.Id);
        Assert.Null(echo.Name);
        Assert.Equal("GET", echo.Method);
    }

    [Fact]
    public async Task Route_constraint_mismatch_and_undeclared_method_are_404_as_in_the_Functions_host()
    {
        using var notAnInt = await Client.GetAsync(new Uri("test/echo/abc", UriKind.Relative));
        using var delete = await Client.DeleteAsync(new Uri("test/echo/1", UriKind.Relative));
        using var head = await Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "test/echo/1"));
        using var defaultPrefix = await Client.GetAsync(new Uri("api/echo/1", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, notAnInt.StatusCode);
        // The Functions host has no 405: a declared route with an undeclared method (HEAD included) is an empty 404
        // (Azure/azure-functions-host#10098, #11625), so a client tested here sees what it will see in Azure.
        Assert.Equal(HttpStatusCode.NotFound, delete.StatusCode);
        Assert.Empty(delete.Content.Headers.Allow);
        Assert.Empty(await delete.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, defaultPrefix.StatusCode);
    }

    [Fact]
    public async Task Function_without_declared_methods_accepts_every_method()
    {
        using var patch = await Client.PatchAsync(new Uri("test/any", UriKind.Relative), new StringContent("x"));
        using var delete = await Client.DeleteAsync(new Uri("test/any", UriKind.Relative));

        Assert.Equal("PATCH", await patch.Content.ReadAsStringAsync());
        Assert.Equal("DELETE", await delete.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Function_that_throws_yields_a_500_problem_without_exception_details()
    {
        using var response = await Client.GetAsync(new Uri("test/throw", UriKind.Relative));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("secret detail", body, StringComparison.Ordinal);
        Assert.DoesNotContain("InvalidOperationException", body, StringComparison.Ordinal);
        using var problem = JsonDocument.Parse(body);
        Assert.Equal("urn:localhost:problem:function-failed", problem.RootElement.GetProperty("type").GetString());
        Assert.Equal(500, problem.RootElement.GetProperty("status").GetInt32());
        var invocationId = problem.RootElement.GetProperty("invocationId").GetString();
        Assert.True(Guid.TryParse(invocationId, out _));

        // The details are in LocalHost's log, under that invocation id.
        await Eventually.TrueAsync(() => fixture.Logs.Entries.Any(e =>
            e.Level == LogLevel.Error && e.Message.Contains(invocationId!, StringComparison.Ordinal)
            && e.Exception?.Message.Contains("secret detail", StringComparison.Ordinal) == true));
    }

    [Fact]
    public async Task Status_code_and_headers_pass_through_unchanged()
    {
        using var response = await Client.GetAsync(new Uri("test/status/429", UriKind.Relative));

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), response.Headers.RetryAfter?.Delta);
        Assert.Equal("Bearer error=\"invalid_token\"", Assert.Single(response.Headers.WwwAuthenticate).ToString());
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("{\"type\":\"urn:test:status\",\"status\":429}", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Fifty_concurrent_requests_each_get_their_own_response()
    {
        var requests = Enumerable.Range(1, 50).Select(async id =>
        {
            var echo = await Client.GetFromJsonAsync<EchoReport>(new Uri($"test/echo/{id}/n{id}?q={id}", UriKind.Relative));
            return (id, echo);
        });

        var results = await Task.WhenAll(requests);

        Assert.All(results, r =>
        {
            Assert.NotNull(r.echo);
            Assert.Equal(r.id, r.echo.Id);
            Assert.Equal($"n{r.id}", r.echo.Name);
            Assert.Equal(r.id.ToString(System.Globalization.CultureInfo.InvariantCulture), r.echo.Query["q"]);
        });
    }

    [Fact]
    public async Task Response_larger_than_the_hold_limit_streams_through_intact()
    {
        const int size = 3 * 1024 * 1024;

        var body = await Client.GetByteArrayAsync(new Uri($"test/large/{size}", UriKind.Relative));

        Assert.Equal(size, body.Length);
        for (var i = 0; i < body.Length; i++)
        {
            if (body[i] != (byte)(i % 251))
            {
                Assert.Fail($"Byte {i} is {body[i]}, expected {i % 251}.");
            }
        }
    }

    [Fact]
    public async Task Large_request_body_streams_through_intact()
    {
        var body = string.Concat(Enumerable.Range(0, 40_000).Select(i => (char)('a' + (i % 26))));

        using var response = await Client.PutAsync(new Uri("test/echo/5", UriKind.Relative), new StringContent(body));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var echo = await response.Content.ReadFromJsonAsync<EchoReport>();
        Assert.Equal(body, echo?.Body);
    }

    [Fact]
    public async Task Worker_logs_arrive_with_their_level_and_category()
    {
        using var response = await Client.GetAsync(new Uri("test/echo/90210", UriKind.Relative));
        response.EnsureSuccessStatusCode();

        await Eventually.TrueAsync(() => fixture.Logs.Entries.Any(e =>
            e.Level == LogLevel.Warning && e.Message == "Echo called for 90210"
            && e.Category == "LocalHost.TestApp.TestFunctions"),
            because: "no relayed Echo log; entries: " + string.Join(" | ", fixture.Logs.Entries.Where(e => e.Message.Contains("90210", StringComparison.Ordinal)).Select(e => $"{e.Category}/{e.Level}/{e.Message}")));
    }
}

/// <summary>Mirror of the test app's EchoReport (the test app is not referenced as an assembly).</summary>
public sealed record EchoReport(
    int Id,
    string? Name,
    string Method,
    string Path,
    string Host,
    Dictionary<string, string?> RouteValues,
    Dictionary<string, string> Query,
    Dictionary<string, string> Headers,
    string Body);
