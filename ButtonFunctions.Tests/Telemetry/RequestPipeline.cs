using System.Collections.Immutable;
using System.Net;
using System.Text;
using ButtonFunctions.Auth;
using ButtonFunctions.Destinations;
using ButtonFunctions.Functions;
using ButtonFunctions.Ingest;
using ButtonFunctions.Storage;
using ButtonFunctions.Telemetry;
using ButtonFunctions.Tests.Auth;
using ButtonFunctions.Tests.Ingest;
using ButtonFunctions.Tests.LocalHost;
using ButtonFunctions.Tests.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MongoDB.Driver;

namespace ButtonFunctions.Tests.Telemetry;

/// <summary>
/// One POST /api/clicks as the worker runs it, in process: the request telemetry middleware, the token validation
/// middleware (real validator against a LocalIssuer), <see cref="IngestClicks"/>, the real ingestion and the real
/// <see cref="ClickStore"/> over MongoDB.Driver against LocalMongo (or BUTTONS_TEST_MONGODB_URI). Every log line kept.
/// </summary>
internal sealed class RequestPipeline : IDisposable
{
    private readonly RequestTelemetryMiddleware _telemetry;
    private readonly TokenValidationMiddleware _auth;
    private readonly MongoClient _client;

    public RequestPipeline(TestIssuer issuer, StoreServerFixture server, string database, DestinationOptions? destinations = null, TimeSpan? retryBudget = null)
    {
        Loggers = LoggerFactory.Create(logging => logging.SetMinimumLevel(LogLevel.Trace).AddProvider(Logs));
        var auth0 = Options.Create(issuer.AppOptions());
        var destinationOptions = Options.Create(destinations ?? new DestinationOptions());
        Metadata = new IssuerMetadata(auth0, Time, Loggers.CreateLogger<IssuerMetadata>());
        Cache = new ValidatedTokenCache(auth0, Time);
        Confirmations = new ConfirmationRateLimiter(destinationOptions, Loggers.CreateLogger<ConfirmationRateLimiter>());
        var gate = new AccessGate(
            new AccessTokenValidator(auth0, Metadata, Cache, Time, Loggers.CreateLogger<AccessTokenValidator>()),
            auth0, Confirmations, Loggers.CreateLogger<AccessGate>());
        _auth = new TokenValidationMiddleware(gate);
        _telemetry = new RequestTelemetryMiddleware(context => context.Items.TryGetValue(ResultKey, out var result) ? result : null);

        var mongo = new MongoOptions
        {
            ConnectionString = server.ConnectionString,
            Database = database,
            RetryBudget = retryBudget ?? new MongoOptions().RetryBudget,
        };
        var settings = StorageServiceCollectionExtensions.CreateClientSettings(mongo);
        settings.ApplicationName = AppName;
        _client = new MongoClient(settings);
        var ingest = Options.Create(new IngestOptions());
        Function = new IngestClicks(
            new ClickIngestion(ingest, new ClickStore(_client, Options.Create(mongo), Time, Loggers.CreateLogger<ClickStore>()), Time, Loggers.CreateLogger<ClickIngestion>()),
            new DestinationConfirmer(
                new HttpClient(Handler), destinationOptions, Destinations, new UnlistedDestinationLog(destinationOptions, Loggers.CreateLogger<DestinationConfirmer>()),
                Time, Loggers.CreateLogger<DestinationConfirmer>()),
            ingest,
            new RequestLogSamplers(Time),
            Loggers.CreateLogger<IngestClicks>());
    }

    private const string ResultKey = "test:invocation-result";

    /// <summary>The MongoDB application name of this pipeline's client (fail points can target it alone).</summary>
    public string AppName { get; } = "telemetry-" + Guid.NewGuid().ToString("N")[..8];

    public IMongoClient Client => _client;

    public SkippingTimeProvider Time { get; } = new();

    public CapturingLoggerProvider Logs { get; } = new();

    public ILoggerFactory Loggers { get; }

    public IssuerMetadata Metadata { get; }

    public ValidatedTokenCache Cache { get; }

    public ConfirmationRateLimiter Confirmations { get; }

    public FakeDestinationStore Destinations { get; } = new();

    public RecordingHandler Handler { get; } = new(HttpStatusCode.OK);

    public IngestClicks Function { get; }

    /// <summary>Sends <paramref name="body"/> through both middlewares and the function; returns the answer as the client sees it.</summary>
    public async Task<Answer> PostAsync(string body, string? bearer, IDictionary<string, string>? headers = null)
    {
        var http = new DefaultHttpContext { RequestServices = Services };
        http.Request.Method = "POST";
        var bytes = Encoding.UTF8.GetBytes(body);
        http.Request.Body = new MemoryStream(bytes);
        http.Request.ContentLength = bytes.Length;
        http.Request.ContentType = "application/json";
        if (bearer is not null)
        {
            http.Request.Headers.Authorization = "Bearer " + bearer;
        }

        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            http.Request.Headers[name] = value;
        }

        var responseBody = new MemoryStream();
        http.Response.Body = responseBody;
        var context = new PipelineContext();
        // Where the ASP.NET Core integration keeps the request's HttpContext (FunctionContext.GetHttpContext()).
        context.Items["HttpRequestContext"] = http;

        await _telemetry.Invoke(context, c => _auth.Invoke(c, async inner =>
        {
            inner.Items[ResultKey] = await Function.Run(http.Request, inner);
        }));

        // What the worker's ASP.NET Core integration does after the middleware: run the function's result.
        if (context.Items.TryGetValue(ResultKey, out var result) && result is IActionResult action)
        {
            await action.ExecuteResultAsync(new ActionContext { HttpContext = http });
        }

        return new Answer(http.Response.StatusCode, http.Response.ContentType, http.Response.Headers.RetryAfter.ToString(), responseBody.ToArray());
    }

    public void Dispose()
    {
        Cache.Dispose();
        Metadata.Dispose();
        Confirmations.Dispose();
        _client.Dispose();
        Loggers.Dispose();
    }

    private static readonly IServiceProvider Services =
        new ServiceCollection().AddLogging().AddProblemDetails().AddMvcCore().Services.BuildServiceProvider();

    private sealed class PipelineContext : FunctionContext
    {
        public override string InvocationId { get; } = Guid.NewGuid().ToString();

        public override string FunctionId => nameof(IngestClicks);

        public override TraceContext TraceContext => null!;

        public override BindingContext BindingContext => null!;

        public override RetryContext RetryContext => null!;

        public override IServiceProvider InstanceServices { get; set; } = Services;

        public override FunctionDefinition FunctionDefinition { get; } = new IngestDefinition();

        public override IDictionary<object, object> Items { get; set; } = new Dictionary<object, object>();

        public override IInvocationFeatures Features => null!;
    }

    private sealed class IngestDefinition : FunctionDefinition
    {
        public override ImmutableArray<FunctionParameter> Parameters => [];

        public override string PathToAssembly => typeof(IngestClicks).Assembly.Location;

        public override string EntryPoint => typeof(IngestClicks).FullName + ".Run";

        public override string Id => nameof(IngestClicks);

        public override string Name => nameof(IngestClicks);

        public override IImmutableDictionary<string, BindingMetadata> InputBindings => ImmutableDictionary<string, BindingMetadata>.Empty;

        public override IImmutableDictionary<string, BindingMetadata> OutputBindings => ImmutableDictionary<string, BindingMetadata>.Empty;
    }
}
