using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using MongoDB.Bson;
using MongoDB.Driver;
using ButtonFunctions.Destinations;

namespace ButtonFunctions.Tests.EndToEnd;

/// <summary>A loopback listener that plays AWS's confirmation endpoint and records every request line it gets.</summary>
public sealed class ConfirmationListener : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();

    public ConfirmationListener()
    {
        _listener.Start();
        _ = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public string Prefix => $"http://127.0.0.1:{Port}/confirmdestination/";

    public ConcurrentQueue<string> RequestLines { get; } = new();

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                var stream = client.GetStream();
                using var reader = new StreamReader(stream, Encoding.ASCII, leaveOpen: true);
                var requestLine = await reader.ReadLineAsync(_stop.Token) ?? string.Empty;
                while (!string.IsNullOrEmpty(await reader.ReadLineAsync(_stop.Token)))
                {
                    // Skip the headers: a GET has no body.
                }

                RequestLines.Enqueue(requestLine);

                // A token containing "redirect" answers with a redirect to elsewhere, which must not be followed.
                var answer = requestLine.Contains("redirect", StringComparison.Ordinal)
                    ? $"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:{Port}/elsewhere\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    : "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(answer), _stop.Token);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // Stopped.
        }
    }
}

[Collection(SharedApp.Name)]
public sealed class DestinationConfirmationEndToEndTests(SharedAppFixture app) : IDisposable
{
    public void Dispose()
    {
        app.Listener.RequestLines.Clear();
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> ConfirmAsync(string arn, string token, string enableUrl)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/clicks?confirmationToken=" + token)
        {
            Content = JsonContent.Create(new { arn, confirmationToken = token, enableUrl, messageType = "DestinationConfirmation" }),
        };
        request.Headers.Add("x-amz-rules-engine-message-type", "DestinationConfirmation");
        request.Headers.Add("x-amz-rules-engine-destination-arn", arn);

        // AWS sends no token: the anonymous client is what AWS is.
        using var response = await app.AnonymousClient.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    private Task<List<BsonDocument>> AttemptsAsync(string arn) =>
        app.Destinations.Find(new BsonDocument("arn", arn)).ToListAsync();

    [Fact]
    public async Task An_allowed_destination_is_confirmed_by_a_get_on_the_allow_listed_enable_url()
    {
        var token = "tok-" + Guid.NewGuid().ToString("N");

        var (status, body) = await ConfirmAsync(SharedAppFixture.AllowedArn, token, app.Listener.Prefix + token);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("confirmed", body.GetProperty("status").GetString());
        Assert.Equal($"GET /confirmdestination/{token} HTTP/1.1", Assert.Single(app.Listener.RequestLines));
        Assert.Contains(await AttemptsAsync(SharedAppFixture.AllowedArn), d => d["outcome"] == "confirmed" && d["status"] == 200 && d["enableUrlHost"] == "127.0.0.1");
    }

    [Fact]
    public async Task A_destination_that_is_not_allowed_calls_nothing()
    {
        const string otherArn = "arn:aws:iot:us-east-1:123456789012:ruledestination/http/00000000-0000-0000-0000-000000000000";
        var token = "tok-" + Guid.NewGuid().ToString("N");

        var (status, body) = await ConfirmAsync(otherArn, token, app.Listener.Prefix + token);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("not-followed", body.GetProperty("status").GetString());
        Assert.DoesNotContain(token, body.GetRawText(), StringComparison.Ordinal);
        Assert.Empty(app.Listener.RequestLines);
        // Anyone can send these (no token): an ARN that is not allow-listed leaves nothing in the store.
        Assert.Empty(await AttemptsAsync(otherArn));
    }

    [Theory]
    [InlineData("http://127.0.0.1:{port}/elsewhere/{token}")]
    [InlineData("http://localhost:{port}/confirmdestination/{token}")]
    [InlineData("https://iot.us-east-1.amazonaws.com.127.0.0.1.nip.io/confirmdestination/{token}")]
    public async Task An_allowed_destination_with_a_disallowed_host_or_path_calls_nothing(string template)
    {
        var token = "tok-" + Guid.NewGuid().ToString("N");
        var enableUrl = template.Replace("{port}", app.Listener.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{token}", token, StringComparison.Ordinal);

        var (status, body) = await ConfirmAsync(SharedAppFixture.AllowedArn, token, enableUrl);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("not-followed", body.GetProperty("status").GetString());
        Assert.Empty(app.Listener.RequestLines);
    }

    [Fact]
    public async Task A_redirect_from_the_enable_url_is_not_followed()
    {
        var token = "redirect-" + Guid.NewGuid().ToString("N");

        var (_, body) = await ConfirmAsync(SharedAppFixture.AllowedArn, token, app.Listener.Prefix + token);

        Assert.Equal("failed", body.GetProperty("status").GetString());
        Assert.Equal($"GET /confirmdestination/{token} HTTP/1.1", Assert.Single(app.Listener.RequestLines));
    }

    [Fact]
    public async Task A_malformed_confirmation_is_answered_400()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/clicks") { Content = new StringContent("""{"arn":"x"}""", Encoding.UTF8, "application/json") };
        request.Headers.Add("x-amz-rules-engine-message-type", "DestinationConfirmation");

        using var response = await app.AnonymousClient.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(app.Listener.RequestLines);
    }
}
