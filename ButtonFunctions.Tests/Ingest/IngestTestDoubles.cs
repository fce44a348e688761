using System.Collections.Concurrent;
using System.Net;
using System.Text;
using ButtonFunctions.Auth;
using ButtonFunctions.Functions;
using ButtonFunctions.Ingest;
using ButtonFunctions.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ButtonFunctions.Tests.LocalHost;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using ButtonFunctions.Clicks;
using ButtonFunctions.Destinations;
using ButtonFunctions.Http;

namespace ButtonFunctions.Tests.Ingest;

/// <summary>An in-memory click store with the real store's duplicate semantics, and switchable faults.</summary>
internal sealed class FakeClickStore : IClickStore
{
    public ConcurrentDictionary<string, ClickEvent> Stored { get; } = new();

    /// <summary>When set, the next calls end with this outcome after storing nothing.</summary>
    public ClickStoreOutcome? Fault { get; set; }

    public TimeSpan? FaultRetryAfter { get; set; }

    public Task<ClickStoreResult> InsertAsync(IReadOnlyList<ClickEvent> clicks, CancellationToken cancellationToken)
    {
        if (Fault is { } fault)
        {
            return Task.FromResult(new ClickStoreResult(fault, new ClickWriteStatus[clicks.Count], FaultRetryAfter));
        }

        var statuses = new ClickWriteStatus[clicks.Count];
        var ids = new string[clicks.Count];
        lock (Stored)
        {
            for (var i = 0; i < clicks.Count; i++)
            {
                var click = clicks[i];
                if (!Stored.TryGetValue(click.Id, out var existing) || ClickFingerprint.Of(existing).IsSameClickAs(ClickFingerprint.Of(click)))
                {
                    statuses[i] = existing is null && Stored.TryAdd(click.Id, click) ? ClickWriteStatus.Inserted : ClickWriteStatus.Duplicate;
                    ids[i] = click.Id;
                    continue;
                }

                // A different click under the id: the real store's collision id, and its duplicate check there.
                var moved = click with { Id = ClickId.ForCollision(click) };
                statuses[i] = Stored.TryAdd(moved.Id, moved) ? ClickWriteStatus.Inserted : ClickWriteStatus.Duplicate;
                ids[i] = moved.Id;
            }
        }

        return Task.FromResult(new ClickStoreResult(ClickStoreOutcome.Stored, statuses) { Ids = ids });
    }
}

internal sealed class FakeDestinationStore : IDestinationStore
{
    public ConcurrentQueue<DestinationConfirmationAttempt> Attempts { get; } = new();

    public Task RecordAsync(DestinationConfirmationAttempt attempt, CancellationToken cancellationToken)
    {
        Attempts.Enqueue(attempt);
        return Task.CompletedTask;
    }
}

/// <summary>Stands in for the network: records every URL the app tries to fetch and answers with a fixed status.</summary>
internal sealed class RecordingHandler(HttpStatusCode status = HttpStatusCode.OK) : HttpMessageHandler
{
    public ConcurrentQueue<Uri> Requested { get; } = new();

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Requested.Enqueue(request.RequestUri!);
        return Task.FromResult(new HttpResponseMessage(status));
    }
}

internal sealed class FakeFunctionContext : FunctionContext
{
    public override string InvocationId => "test-invocation";

    public override string FunctionId => nameof(IngestClicks);

    public override TraceContext TraceContext => null!;

    public override BindingContext BindingContext => null!;

    public override RetryContext RetryContext => null!;

    public override IServiceProvider InstanceServices { get; set; } = new ServiceCollection().BuildServiceProvider();

    public override FunctionDefinition FunctionDefinition => null!;

    public override IDictionary<object, object> Items { get; set; } = new Dictionary<object, object>();

    public override IInvocationFeatures Features => null!;
}

/// <summary>The function wired to fakes, plus helpers to send a request and read the answer as the client would.</summary>
internal sealed class IngestHarness
{
    public static readonly DateTimeOffset Now = new(2026, 11, 25, 18, 0, 5, TimeSpan.Zero);

    public IngestHarness(IngestOptions? ingest = null, DestinationOptions? destinations = null, HttpStatusCode enableUrlStatus = HttpStatusCode.OK)
    {
        Handler = new RecordingHandler(enableUrlStatus);
        var time = new FakeTimeProvider(Now);
        var ingestOptions = Options.Create(ingest ?? new IngestOptions());
        var destinationOptions = Options.Create(destinations ?? new DestinationOptions());
        var loggers = LoggerFactory.Create(logging => logging.SetMinimumLevel(LogLevel.Trace).AddProvider(Logs));
        Function = new IngestClicks(
            new ClickIngestion(ingestOptions, Store, time, loggers.CreateLogger<ClickIngestion>()),
            new DestinationConfirmer(
                new HttpClient(Handler), destinationOptions, Destinations,
                new UnlistedDestinationLog(destinationOptions, loggers.CreateLogger<DestinationConfirmer>()),
                time, loggers.CreateLogger<DestinationConfirmer>()),
            ingestOptions,
            new RequestLogSamplers(time),
            loggers.CreateLogger<IngestClicks>());
    }

    /// <summary>Every line the function, the ingestion and the confirmer logged.</summary>
    public CapturingLoggerProvider Logs { get; } = new();

    public FakeClickStore Store { get; } = new();

    public FakeDestinationStore Destinations { get; } = new();

    public RecordingHandler Handler { get; }

    public IngestClicks Function { get; }

    public Task<Answer> PostAsync(string body, string? contentType = "application/json", Caller? caller = null, IDictionary<string, string>? headers = null) =>
        PostAsync(new MemoryStream(Encoding.UTF8.GetBytes(body)), contentType, caller, headers, contentLength: Encoding.UTF8.GetByteCount(body));

    /// <param name="aborted">Plays the request's RequestAborted: cancel it to be a client that went away.</param>
    public async Task<Answer> PostAsync(
        Stream body, string? contentType, Caller? caller = null, IDictionary<string, string>? headers = null, long? contentLength = null,
        CancellationToken aborted = default)
    {
        var http = new DefaultHttpContext { RequestServices = ResultServices, RequestAborted = aborted };
        http.Request.Method = "POST";
        http.Request.Body = body;
        http.Request.ContentType = contentType;
        http.Request.ContentLength = contentLength;
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            http.Request.Headers[name] = value;
        }

        var responseBody = new MemoryStream();
        http.Response.Body = responseBody;
        var context = new FakeFunctionContext();
        if (caller is not null)
        {
            context.SetCaller(caller);
        }

        var result = await Function.Run(http.Request, context);
        await result.ExecuteResultAsync(new ActionContext { HttpContext = http });
        return new Answer(http.Response.StatusCode, http.Response.ContentType, http.Response.Headers.RetryAfter.ToString(), responseBody.ToArray());
    }

    /// <summary>MVC's real result executors and JSON formatter, so bodies are serialised as in the app.</summary>
    private static readonly IServiceProvider ResultServices = new ServiceCollection().AddLogging().AddMvcCore().Services.BuildServiceProvider();
}

internal sealed record Answer(int Status, string? ContentType, string RetryAfter, byte[] Body)
{
    public System.Text.Json.JsonElement Json => System.Text.Json.JsonDocument.Parse(Body).RootElement;

    public string Text => Encoding.UTF8.GetString(Body);
}
