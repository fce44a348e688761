using System.Collections.Immutable;
using ButtonFunctions.Auth;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;

namespace ButtonFunctions.Tests.Auth;

/// <summary>The worker middleware around the gate: refusals are written and the function never runs.</summary>
[Trait("Category", "Unit")]
public sealed class TokenValidationMiddlewareTests(TestIssuer issuer) : IClassFixture<TestIssuer>, IDisposable
{
    private readonly AuthPipeline _pipeline = issuer.Pipeline();

    [Fact]
    public async Task Refused_request_gets_401_problem_and_the_function_is_not_invoked()
    {
        var (context, http) = Context("IngestClicks", "Bearer " + TokenForge.TamperSignature(issuer.WriterToken));
        var invoked = false;

        await new TokenValidationMiddleware(_pipeline.Gate).Invoke(context, _ => { invoked = true; return Task.CompletedTask; });

        Assert.False(invoked);
        Assert.Equal(401, http.Response.StatusCode);
        Assert.Contains("error=\"invalid_token\"", http.Response.Headers.WWWAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.StartsWith("application/problem+json", http.Response.ContentType, StringComparison.Ordinal);
        Assert.Null(context.GetCaller());
    }

    [Fact]
    public async Task Accepted_request_runs_the_function_with_the_caller()
    {
        var (context, _) = Context("IngestClicks", "Bearer " + issuer.WriterToken);
        Caller? seen = null;

        await new TokenValidationMiddleware(_pipeline.Gate).Invoke(context, c => { seen = c.GetCaller(); return Task.CompletedTask; });

        Assert.NotNull(seen);
        Assert.Equal(TestIssuer.Writer, seen.ClientId);
    }

    [Fact]
    public async Task Insufficient_scope_gets_403_and_the_function_is_not_invoked()
    {
        var (context, http) = Context("IngestClicks", "Bearer " + issuer.ReaderToken);
        var invoked = false;

        await new TokenValidationMiddleware(_pipeline.Gate).Invoke(context, _ => { invoked = true; return Task.CompletedTask; });

        Assert.False(invoked);
        Assert.Equal(403, http.Response.StatusCode);
        Assert.Contains("scope=\"write:clicks\"", http.Response.Headers.WWWAuthenticate.ToString(), StringComparison.Ordinal);
    }

    public void Dispose() => _pipeline.Dispose();

    private static (FunctionContext Context, HttpContext Http) Context(string functionName, string authorization)
    {
        var http = new DefaultHttpContext { RequestServices = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider() };
        http.Request.Method = "POST";
        http.Request.Headers.Authorization = authorization;
        http.Response.Body = new MemoryStream();
        var context = new FakeFunctionContext(new FakeFunctionDefinition(functionName));
        // Where the ASP.NET Core integration keeps the request's HttpContext (FunctionContext.GetHttpContext()).
        context.Items["HttpRequestContext"] = http;
        return (context, http);
    }

    private sealed class FakeFunctionContext(FunctionDefinition definition) : FunctionContext
    {
        public override string InvocationId => "test-invocation";

        public override string FunctionId => definition.Id;

        public override TraceContext TraceContext => null!;

        public override BindingContext BindingContext => null!;

        public override RetryContext RetryContext => null!;

        public override IServiceProvider InstanceServices { get; set; } = null!;

        public override FunctionDefinition FunctionDefinition => definition;

        public override IDictionary<object, object> Items { get; set; } = new Dictionary<object, object>();

        public override IInvocationFeatures Features => null!;
    }

    private sealed class FakeFunctionDefinition(string name) : FunctionDefinition
    {
        public override ImmutableArray<FunctionParameter> Parameters => [];

        public override string PathToAssembly => typeof(Auth0Options).Assembly.Location;

        public override string EntryPoint => $"ButtonFunctions.Functions.{name}.Run";

        public override string Id => name;

        public override string Name => name;

        public override IImmutableDictionary<string, BindingMetadata> InputBindings => ImmutableDictionary<string, BindingMetadata>.Empty;

        public override IImmutableDictionary<string, BindingMetadata> OutputBindings => ImmutableDictionary<string, BindingMetadata>.Empty;
    }
}
