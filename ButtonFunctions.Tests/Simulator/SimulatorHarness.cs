using System.Text;
using System.Text.Json;
using ButtonSimulator.Delivery;
using ButtonSimulator.ErrorAction;
using ButtonSimulator.Payloads;
using ButtonSimulator.Tokens;
using Microsoft.AspNetCore.Http;

namespace ButtonFunctions.Tests.Simulator;

/// <summary>Collects error-action records in memory.</summary>
internal sealed class ListErrorSink : IErrorActionSink
{
    public List<ErrorActionRecord> Records { get; } = [];

    public Task WriteAsync(ErrorActionRecord record, CancellationToken ct)
    {
        lock (Records)
        {
            Records.Add(record);
        }

        return Task.CompletedTask;
    }
}

/// <summary>
/// A stub issuer (POST /oauth/token → token-1, token-2, ...) and a stub ingest endpoint (POST /api/clicks)
/// whose answer a test chooses, plus a sender wired to both.
/// </summary>
internal sealed class SimulatorHarness : IAsyncDisposable
{
    private int _issued;

    private SimulatorHarness(StubServer server) => Server = server;

    public StubServer Server { get; }

    public HttpClient Http { get; } = new() { Timeout = Timeout.InfiniteTimeSpan };

    public ListErrorSink Errors { get; } = new();

    public int TokensIssued => Volatile.Read(ref _issued);

    /// <summary>expires_in the issuer answers with.</summary>
    public int ExpiresIn { get; set; } = 86400;

    /// <summary>When set, the issuer waits for it before answering.</summary>
    public TaskCompletionSource? TokenGate { get; set; }

    public Uri IngestUrl => new(Server.BaseAddress, "api/clicks");

    public IEnumerable<RecordedRequest> IngestRequests => Server.RequestsTo("/api/clicks");

    public static async Task<SimulatorHarness> StartAsync(Func<HttpContext, RecordedRequest, Task> ingest)
    {
        SimulatorHarness? harness = null;
        var server = await StubServer.StartAsync(async (context, request) =>
        {
            if (request.Path == "/oauth/token")
            {
                if (harness!.TokenGate is { } gate)
                {
                    await gate.Task;
                }

                var n = Interlocked.Increment(ref harness._issued);
                await context.Response.WriteAsJsonAsync(new { access_token = $"token-{n}", token_type = "Bearer", expires_in = harness.ExpiresIn });
                return;
            }

            await ingest(context, request);
        });
        harness = new SimulatorHarness(server);
        return harness;
    }

    public ClientCredentialsTokenCache Tokens(TimeProvider? time = null) =>
        new(Http, new TokenEndpoint(new Uri(Server.BaseAddress, "oauth/token"), "client-1", "secret-1", "https://buttons.test"), time ?? TimeProvider.System);

    public HttpActionSender Sender(ClientCredentialsTokenCache? tokens, AwsRetryPolicy? policy = null) =>
        new(Http, IngestUrl, tokens, TimeProvider.System, policy ?? FastPolicy, Errors);

    /// <summary>
    /// AWS's rules without the pause between tries. The per-try timeout is long on purpose: on a loaded machine
    /// a first request to a fresh Kestrel can take over a second, and a timeout here would turn into a retry (a
    /// second request) that a test never asked for. Tests about timeouts set a short one against a stub that
    /// never answers, where the outcome does not depend on how fast the machine is.
    /// </summary>
    public static AwsRetryPolicy FastPolicy { get; } = AwsRetryPolicy.Aws with { RetryDelay = TimeSpan.Zero, RequestTimeout = TimeSpan.FromMinutes(2) };

    public static Task Created(HttpContext context, RecordedRequest request)
    {
        var count = request.BodyText.TrimStart().StartsWith('[') ? JsonDocument.Parse(request.Body).RootElement.GetArrayLength() : 1;
        context.Response.StatusCode = 201;
        return context.Response.WriteAsJsonAsync(new { stored = count, duplicates = 0, ids = Array.Empty<string>() });
    }

    public static IotMessage Click(string device = "G030JF055364XVRB", IReadOnlyDictionary<string, string>? headers = null) =>
        ClickPayloads.Click(ButtonShape.Classic, device, ClickType.Single, DateTimeOffset.UtcNow, headers: headers);

    public static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
    }
}
