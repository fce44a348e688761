using ButtonFunctions.Auth;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Primitives;
using Xunit.Abstractions;
using ButtonFunctions.Destinations;
using ButtonFunctions.Http;

namespace ButtonFunctions.Tests.Auth;

/// <summary>The auth rules, in process: the same decisions the middleware writes as 401/403.</summary>
[Trait("Category", "Unit")]
public sealed class AccessGateTests(TestIssuer issuer, ITestOutputHelper output) : IClassFixture<TestIssuer>, IDisposable
{
    private readonly AuthPipeline _pipeline = issuer.Pipeline();

    [Theory]
    [MemberData(nameof(BadTokenCases.Names), MemberType = typeof(BadTokenCases))]
    public async Task Bad_token_is_refused_with_the_right_status_and_challenge(string name)
    {
        var bad = BadTokenCases.Get(name);

        var decision = await _pipeline.Gate.DecideAsync("IngestClicks", Post(bad.Shape(issuer)), default);
        output.WriteLine(decision.Challenge ?? "(no challenge)");

        Assert.False(decision.Allowed);
        Assert.Null(decision.Caller);
        Assert.Equal(bad.Status, decision.StatusCode);
        AssertChallenge(decision.Challenge, bad.Error, decision.StatusCode == 403 ? "write:clicks" : null);
    }

    [Fact]
    public void Table_has_at_least_thirty_cases_with_unique_names()
    {
        Assert.True(BadTokenCases.All.Count >= 30, $"only {BadTokenCases.All.Count} cases");
        Assert.Equal(BadTokenCases.All.Count, BadTokenCases.All.Select(c => c.Name).Distinct().Count());
    }

    [Fact]
    public async Task Issued_write_token_is_accepted_and_names_its_client()
    {
        var decision = await _pipeline.Gate.DecideAsync("IngestClicks", Post(AuthShape.Bearer(issuer.WriterToken)), default);

        Assert.True(decision.Allowed);
        Assert.Equal(TestIssuer.Writer, decision.Caller!.ClientId);
        Assert.Contains("write:clicks", decision.Caller.Scopes);
        Assert.Contains("read:clicks", decision.Caller.Scopes);
    }

    [Fact]
    public async Task Scheme_name_is_case_insensitive()
    {
        var decision = await _pipeline.Gate.DecideAsync("IngestClicks", Post(AuthShape.Header("bearer " + issuer.WriterToken)), default);

        Assert.True(decision.Allowed);
    }

    [Theory]
    [InlineData("BEARER ")]
    [InlineData("bearer    ")]
    public async Task Scheme_in_any_case_and_extra_spaces_before_the_token_are_accepted(string prefix)
    {
        var decision = await _pipeline.Gate.DecideAsync("IngestClicks", Post(AuthShape.Header(prefix + issuer.WriterToken)), default);

        Assert.True(decision.Allowed, decision.Detail);
    }

    [Theory]
    [InlineData("\u0085", "")] // NEL after the token: .NET's Trim() would strip it
    [InlineData("\u00a0", "")] // no-break space after the token
    [InlineData("", "\t")] // HTAB inside (HTTP whitespace, but not token syntax)
    [InlineData("", "\u2028")] // line separator inside
    public async Task A_valid_token_with_any_character_outside_the_b64token_syntax_is_invalid(string after, string inside)
    {
        // Only reachable in-process or over raw bytes (HttpClient refuses non-ASCII headers; the bad-request corpus
        // sends them through LocalHost): Kestrel passes such header values on as UTF-8.
        var token = issuer.WriterToken[..10] + inside + issuer.WriterToken[10..] + after;

        var decision = await _pipeline.Gate.DecideAsync("IngestClicks", Post(AuthShape.Header("Bearer " + token)), default);

        Assert.Equal(401, decision.StatusCode);
        Assert.Contains("error=\"invalid_token\"", decision.Challenge, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Auth0_rbac_shaped_token_is_accepted()
    {
        // What Auth0 issues with RBAC on and the RFC 9068 profile: aud array with /userinfo, no scope but
        // permissions, no iat, typ at+jwt.
        var token = issuer.Forge.Sign(c =>
        {
            c["aud"] = (string[])[TestIssuer.Audience, "https://tenant.eu.auth0.com/userinfo"];
            c.Remove("scope");
            c.Remove("iat");
            c["permissions"] = (string[])["write:clicks", "read:clicks"];
        }, header: new() { ["typ"] = "at+jwt" });

        var decision = await _pipeline.Gate.DecideAsync("IngestClicks", Post(AuthShape.Bearer(token)), default);

        Assert.True(decision.Allowed, decision.Detail);
        Assert.Equal(TestIssuer.Writer, decision.Caller!.ClientId);
    }

    [Fact]
    public async Task Audience_array_containing_ours_is_accepted()
    {
        var token = issuer.Forge.Sign(c => c["aud"] = (string[])["https://tenant.auth0.com/userinfo", TestIssuer.Audience]);

        var decision = await _pipeline.Gate.DecideAsync("IngestClicks", Post(AuthShape.Bearer(token)), default);

        Assert.True(decision.Allowed);
    }

    [Fact]
    public async Task Permissions_claim_grants_scope_when_rbac_is_on()
    {
        var token = issuer.Forge.Sign(c => { c.Remove("scope"); c["permissions"] = (string[])["write:clicks"]; });

        var decision = await _pipeline.Gate.DecideAsync("IngestClicks", Post(AuthShape.Bearer(token)), default);

        Assert.True(decision.Allowed);
        Assert.Equal(["write:clicks"], decision.Caller!.Scopes);
    }

    [Fact]
    public async Task Client_id_falls_back_to_sub_without_the_clients_suffix()
    {
        var token = issuer.Forge.Sign(c => c.Remove("azp"));

        var decision = await _pipeline.Gate.DecideAsync("IngestClicks", Post(AuthShape.Bearer(token)), default);

        Assert.Equal(TestIssuer.Writer, decision.Caller!.ClientId);
    }

    [Fact]
    public async Task Token_expired_within_the_clock_skew_is_still_accepted()
    {
        var token = issuer.Forge.Sign(c => c["exp"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 10);

        var decision = await _pipeline.Gate.DecideAsync("IngestClicks", Post(AuthShape.Bearer(token)), default);

        Assert.True(decision.Allowed);
    }

    [Fact]
    public async Task Read_token_may_read()
    {
        var decision = await _pipeline.Gate.DecideAsync("ListClicks", Get(AuthShape.Bearer(issuer.ReaderToken)), default);

        Assert.True(decision.Allowed);
        Assert.Equal(TestIssuer.Reader, decision.Caller!.ClientId);
    }

    [Fact]
    public async Task Write_only_token_may_not_read()
    {
        var token = issuer.Forge.Sign(c => c["scope"] = "write:clicks");

        var decision = await _pipeline.Gate.DecideAsync("ClickSummary", Get(AuthShape.Bearer(token)), default);

        Assert.Equal(403, decision.StatusCode);
        AssertChallenge(decision.Challenge, "insufficient_scope", "read:clicks");
    }

    [Fact]
    public async Task Destination_confirmation_reaches_ingest_without_a_token()
    {
        var request = Post(AuthShape.None);
        request.Headers[DestinationConfirmationRequest.MessageTypeHeader] = "DestinationConfirmation";

        var decision = await _pipeline.Gate.DecideAsync("IngestClicks", request, default);

        Assert.True(decision.Allowed);
        Assert.Null(decision.Caller);
    }

    [Fact]
    public async Task Unauthenticated_confirmations_beyond_the_permit_limit_are_refused_429_with_retry_after()
    {
        using var pipeline = issuer.Pipeline(destinations: new DestinationOptions { ConfirmationPermitLimit = 3, ConfirmationWindow = TimeSpan.FromHours(1) });
        HttpRequest Confirmation()
        {
            var request = Post(AuthShape.None);
            request.Headers[DestinationConfirmationRequest.MessageTypeHeader] = "DestinationConfirmation";
            return request;
        }

        var decisions = new List<AccessDecision>();
        for (var i = 0; i < 5; i++)
        {
            decisions.Add(await pipeline.Gate.DecideAsync("IngestClicks", Confirmation(), default));
        }

        Assert.Equal([200, 200, 200, 429, 429], decisions.Select(d => d.StatusCode));
        var refused = decisions[^1];
        Assert.Equal(ProblemTypes.TooManyConfirmations, refused.ProblemType);
        Assert.Null(refused.Challenge);
        var http = new DefaultHttpContext { RequestServices = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider() };
        http.Response.Body = new MemoryStream();
        await refused.WriteAsync(http);
        Assert.Equal(429, http.Response.StatusCode);
        Assert.StartsWith("application/problem+json", http.Response.ContentType, StringComparison.Ordinal);
        Assert.InRange(int.Parse(http.Response.Headers.RetryAfter.ToString(), System.Globalization.CultureInfo.InvariantCulture), 1, 3_600);

        // The bound is on the door without a lock only: a request with a token is never counted against it.
        var withToken = await pipeline.Gate.DecideAsync("IngestClicks", Post(AuthShape.Bearer(issuer.WriterToken)), default);
        Assert.True(withToken.Allowed);
    }

    [Fact]
    public async Task Destination_confirmation_header_does_not_open_other_functions()
    {
        var request = Get(AuthShape.None);
        request.Headers[DestinationConfirmationRequest.MessageTypeHeader] = "DestinationConfirmation";

        var decision = await _pipeline.Gate.DecideAsync("ListClicks", request, default);

        Assert.Equal(401, decision.StatusCode);
    }

    [Fact]
    public async Task Health_is_anonymous()
    {
        var decision = await _pipeline.Gate.DecideAsync("Health", Get(AuthShape.None), default);

        Assert.True(decision.Allowed);
    }

    [Fact]
    public async Task Unreachable_issuer_gives_503_so_that_aws_retries()
    {
        // Nothing listens on the discard port: the signing keys cannot be fetched.
        using var pipeline = issuer.Pipeline(configure: o => o.Authority = "http://127.0.0.1:9/");

        var decision = await pipeline.Gate.DecideAsync("IngestClicks", Post(AuthShape.Bearer(issuer.WriterToken)), default);

        Assert.Equal(503, decision.StatusCode);
        Assert.Null(decision.Challenge);
        Assert.Equal("urn:buttonfunctions:problem:issuer-unavailable", decision.ProblemType);

        var http = new DefaultHttpContext { RequestServices = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider() };
        http.Response.Body = new MemoryStream();
        await decision.WriteAsync(http);
        Assert.Equal(503, http.Response.StatusCode);
        Assert.Equal("30", http.Response.Headers.RetryAfter.ToString());
    }

    [Fact]
    public async Task Function_without_an_access_policy_is_refused()
    {
        var decision = await _pipeline.Gate.DecideAsync("SomethingNew", Post(AuthShape.Bearer(issuer.WriterToken)), default);

        Assert.False(decision.Allowed);
        Assert.Equal(500, decision.StatusCode);
    }

    [Fact]
    public async Task Refusal_is_written_as_problem_json_with_the_challenge()
    {
        var decision = await _pipeline.Gate.DecideAsync("IngestClicks", Post(AuthShape.Bearer("garbage")), default);
        var http = new DefaultHttpContext { RequestServices = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider() };
        http.Response.Body = new MemoryStream();

        await decision.WriteAsync(http);

        Assert.Equal(401, http.Response.StatusCode);
        Assert.StartsWith("application/problem+json", http.Response.ContentType, StringComparison.Ordinal);
        Assert.Equal(decision.Challenge, http.Response.Headers.WWWAuthenticate.ToString());
        http.Response.Body.Position = 0;
        var body = await new StreamReader(http.Response.Body).ReadToEndAsync();
        Assert.Contains("urn:buttonfunctions:problem:invalid-token", body, StringComparison.Ordinal);
        Assert.DoesNotContain("garbage", body, StringComparison.Ordinal);
    }

    public void Dispose() => _pipeline.Dispose();

    /// <summary>RFC 6750 §3: <c>Bearer realm="..."</c>, plus error, error_description and scope when there is an error.</summary>
    internal static void AssertChallenge(string? challenge, string? error, string? scope)
    {
        Assert.NotNull(challenge);
        Assert.StartsWith("Bearer realm=\"ButtonFunctions\"", challenge, StringComparison.Ordinal);
        if (error is null)
        {
            Assert.DoesNotContain("error", challenge, StringComparison.Ordinal);
            return;
        }

        Assert.Contains($"error=\"{error}\"", challenge, StringComparison.Ordinal);
        Assert.Matches("error_description=\"[\\x20\\x21\\x23-\\x5B\\x5D-\\x7E]+\"", challenge);
        if (scope is not null)
        {
            Assert.Contains($"scope=\"{scope}\"", challenge, StringComparison.Ordinal);
        }
    }

    internal static HttpRequest Post(AuthShape shape) => Request("POST", shape);

    internal static HttpRequest Get(AuthShape shape) => Request("GET", shape);

    private static HttpRequest Request(string method, AuthShape shape)
    {
        var request = new DefaultHttpContext().Request;
        request.Method = method;
        if (shape.Authorization.Count > 0)
        {
            request.Headers.Authorization = new StringValues(shape.Authorization.ToArray());
        }

        if (shape.Query is not null)
        {
            request.QueryString = new QueryString("?" + shape.Query);
        }

        return request;
    }
}
