using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ButtonFunctions.Tests.LocalHost;

/// <summary>
/// A plain Kestrel app on 127.0.0.1 (the server the Functions host is built on) that reads the whole body and echoes
/// what it received: the oracle for how framing and header faults are answered, or what the application gets.
/// </summary>
public sealed class KestrelOracleFixture : IAsyncLifetime
{
    private WebApplication? _app;

    public int Port { get; private set; }

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        _app = builder.Build();
        _app.MapPost("/echo", async (HttpContext context) =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync(context.RequestAborted);
            return Results.Json(new
            {
                headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
                body,
            });
        });
        await _app.StartAsync();
        Port = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}

/// <summary>
/// Framing and header faults sent as raw bytes to LocalHost and to a plain Kestrel app: LocalHost refuses what Kestrel
/// refuses, with Kestrel's status, delivers to the worker what Kestrel delivers to its application, and answers 502 only
/// when the worker cannot be reached (never for a client's fault).
/// </summary>
[Trait("Category", "LocalHost")]
public sealed class FramingFaultTests(TestAppHostFixture host, KestrelOracleFixture kestrel)
    : IClassFixture<TestAppHostFixture>, IClassFixture<KestrelOracleFixture>
{
    private const string LocalHostPath = "/test/echo/1";
    private const string OraclePath = "/echo";

    private int LocalHostPort => host.Host.BaseAddress.Port;

    private static byte[] Request(string path, string headersAndBody) =>
        RawHttp.Bytes($"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{headersAndBody}");

    private async Task<(RawResponse? Kestrel, RawResponse? LocalHost)> SendToBothAsync(string headersAndBody, bool halfClose = false) =>
        (await RawHttp.SendAsync(kestrel.Port, Request(OraclePath, headersAndBody), halfClose),
         await RawHttp.SendAsync(LocalHostPort, Request(LocalHostPath, headersAndBody), halfClose));

    private static string EchoedHeader(RawResponse response, string name)
    {
        using var echo = JsonDocument.Parse(response.Body);
        return echo.RootElement.GetProperty("headers").EnumerateObject()
            .Single(h => string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase)).Value.GetString()!;
    }

    private static string EchoedBody(RawResponse response)
    {
        using var echo = JsonDocument.Parse(response.Body);
        return echo.RootElement.GetProperty("body").GetString()!;
    }

    private static void AssertProblem(RawResponse response, int status, string type)
    {
        Assert.Equal(status, response.Status);
        Assert.StartsWith("application/problem+json", response.Header("Content-Type"), StringComparison.Ordinal);
        using var problem = JsonDocument.Parse(response.Body);
        Assert.Equal(type, problem.RootElement.GetProperty("type").GetString());
    }

    [Fact]
    public async Task A_malformed_chunk_size_is_answered_400_as_Kestrel_answers_it_not_502()
    {
        var (oracle, localHost) = await SendToBothAsync("Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n");

        Assert.Equal(400, oracle!.Status);
        AssertProblem(localHost!, oracle.Status, "urn:localhost:problem:bad-request-body");
    }

    [Fact]
    public async Task A_chunk_longer_than_its_declared_size_is_answered_400_as_Kestrel_answers_it()
    {
        var (oracle, localHost) = await SendToBothAsync("Transfer-Encoding: chunked\r\n\r\n2\r\n{\"a\":1}\r\n0\r\n\r\n");

        Assert.Equal(400, oracle!.Status);
        AssertProblem(localHost!, oracle.Status, "urn:localhost:problem:bad-request-body");
    }

    /// <summary>Kestrel refuses these before any application code runs; LocalHost's front end is Kestrel, and must stay so.</summary>
    [Theory]
    [InlineData("last coding not chunked", "Transfer-Encoding: chunked, gzip\r\n\r\n2\r\n{}\r\n0\r\n\r\n")]
    [InlineData("gzip without chunked", "Transfer-Encoding: gzip\r\n\r\n{}")]
    [InlineData("a byte that is not UTF-8 in a header", "Authorization: Bearer \u00FFabc\r\nContent-Length: 2\r\n\r\n{}")]
    [InlineData("Latin-1 e-acute in a header", "X-Note: caf\u00E9\r\nContent-Length: 2\r\n\r\n{}")]
    [InlineData("NUL in a header", "Authorization: Bearer \u0000abc\r\nContent-Length: 2\r\n\r\n{}")]
    [InlineData("two Content-Length values", "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}")]
    [InlineData("a Content-Length that is not a number", "Content-Length: two\r\n\r\n{}")]
    public async Task What_Kestrel_refuses_LocalHost_refuses_with_the_same_status(string fault, string headersAndBody)
    {
        var (oracle, localHost) = await SendToBothAsync(headersAndBody);

        Assert.NotNull(oracle);
        Assert.True(oracle.Status is >= 400 and < 500, $"{fault}: Kestrel answered {oracle.Status}");
        Assert.Equal(oracle.Status, localHost?.Status);
    }

    [Fact]
    public async Task A_coding_before_chunked_reaches_a_Kestrel_app_but_LocalHost_cannot_decode_it_and_answers_501()
    {
        // Kestrel removes only the chunked framing and leaves "gzip" to the application; forwarding drops the header
        // (hop-by-hop), so the worker would take gzip-coded bytes for JSON. RFC 9112 §6.1: 501 for a coding not understood.
        var (oracle, localHost) = await SendToBothAsync("Transfer-Encoding: gzip, chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n");

        Assert.Equal(200, oracle!.Status);
        Assert.Equal("gzip, chunked", EchoedHeader(oracle, "Transfer-Encoding"));
        AssertProblem(localHost!, 501, "urn:localhost:problem:transfer-coding-not-implemented");
    }

    /// <summary>Header bytes Kestrel accepts (valid UTF-8, or C0 controls other than NUL/CR/LF) reach the function as a Kestrel app sees them.</summary>
    [Theory]
    [InlineData("zero-width space before the scheme", "\u00E2\u0080\u008BBearer abc")]
    [InlineData("NEL inside the token", "Bearer a\u00C2\u0085bc")]
    [InlineData("a C0 control inside the token", "Bearer a\u0001bc")]
    public async Task A_header_value_Kestrel_accepts_reaches_the_function_unchanged_not_502(string fault, string rawValue)
    {
        var (oracle, localHost) = await SendToBothAsync($"Authorization: {rawValue}\r\nContent-Length: 2\r\n\r\n{{}}");

        Assert.NotNull(oracle);
        Assert.NotNull(localHost);
        Assert.True(oracle.Status == 200, $"{fault}: Kestrel answered {oracle.Status}");
        Assert.True(localHost.Status == 200, $"{fault}: LocalHost answered {localHost.Status} {localHost.Text}");
        Assert.Equal(EchoedHeader(oracle, "Authorization"), EchoedHeader(localHost, "Authorization"));
    }

    [Fact]
    public async Task Chunked_framing_wins_over_a_Content_Length_and_the_function_gets_the_same_body_as_a_Kestrel_app()
    {
        var (oracle, localHost) = await SendToBothAsync("Transfer-Encoding: chunked\r\nContent-Length: 40\r\n\r\n7\r\n{\"a\":1}\r\n0\r\n\r\n");

        Assert.Equal(200, oracle!.Status);
        Assert.Equal(200, localHost!.Status);
        Assert.Equal(EchoedBody(oracle), EchoedBody(localHost));
    }

    [Fact]
    public async Task A_client_that_stops_sending_mid_body_gets_no_answer_from_either()
    {
        var (oracle, localHost) = await SendToBothAsync("Content-Length: 100\r\n\r\n{\"a\":", halfClose: true);

        Assert.Null(oracle);
        Assert.Null(localHost);
    }

    [Fact]
    public async Task LocalHost_still_answers_a_well_framed_request_after_the_faults()
    {
        await SendToBothAsync("Transfer-Encoding: chunked\r\n\r\nzz\r\n");

        var response = await RawHttp.SendAsync(LocalHostPort, Request(LocalHostPath, "Content-Length: 7\r\n\r\n{\"a\":1}"));

        Assert.Equal(200, response!.Status);
        Assert.Equal("{\"a\":1}", EchoedBody(response));
        Assert.DoesNotContain(host.Logs.Entries, e => e.Category.StartsWith("LocalHost", StringComparison.Ordinal) && e.Message.Contains("Forwarding", StringComparison.Ordinal) && e.Level >= LogLevel.Error);
    }
}
