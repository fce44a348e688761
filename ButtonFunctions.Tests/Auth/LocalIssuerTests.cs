using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace ButtonFunctions.Tests.Auth;

/// <summary>LocalIssuer speaks Auth0's client-credentials dialect.</summary>
[Trait("Category", "Unit")]
public sealed class LocalIssuerTests(TestIssuer issuer) : IClassFixture<TestIssuer>, IDisposable
{
    /// <summary>JWK members that carry private key material (RFC 7518 §6.3.2, §6.4.1).</summary>
    private static readonly string[] PrivateJwkMembers = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

    private readonly HttpClient _http = new();

    private Uri TokenEndpoint => new(issuer.Server.Authority, "oauth/token");

    [Fact]
    public async Task Discovery_names_the_issuer_with_trailing_slash_and_the_jwks()
    {
        var json = await _http.GetStringAsync(new Uri(issuer.Server.Authority, ".well-known/openid-configuration"));
        var configuration = OpenIdConnectConfiguration.Create(json);

        Assert.Equal(issuer.Server.Authority.AbsoluteUri, configuration.Issuer);
        Assert.EndsWith("/", configuration.Issuer, StringComparison.Ordinal);
        Assert.Equal(new Uri(issuer.Server.Authority, ".well-known/jwks.json").AbsoluteUri, configuration.JwksUri);
        Assert.Equal(new Uri(issuer.Server.Authority, "oauth/token").AbsoluteUri, configuration.TokenEndpoint);
        Assert.Equal(["RS256"], configuration.IdTokenSigningAlgValuesSupported);
    }

    [Fact]
    public async Task Jwks_publishes_current_and_next_public_keys_only()
    {
        using var jwks = JsonDocument.Parse(await _http.GetStringAsync(new Uri(issuer.Server.Authority, ".well-known/jwks.json")));
        var keys = jwks.RootElement.GetProperty("keys").EnumerateArray().ToList();

        Assert.True(keys.Count >= 2);
        Assert.Contains(keys, k => k.GetProperty("kid").GetString() == issuer.Server.CurrentSigningCredentials.Key.KeyId);
        Assert.All(keys, k =>
        {
            Assert.Equal("RSA", k.GetProperty("kty").GetString());
            Assert.Equal("RS256", k.GetProperty("alg").GetString());
            Assert.Equal("sig", k.GetProperty("use").GetString());
            Assert.False(string.IsNullOrEmpty(k.GetProperty("n").GetString()));
            Assert.False(string.IsNullOrEmpty(k.GetProperty("e").GetString()));
            foreach (var privatePart in PrivateJwkMembers)
            {
                Assert.False(k.TryGetProperty(privatePart, out _), $"private part {privatePart} published");
            }
        });
    }

    [Fact]
    public async Task Form_request_gets_an_auth0_shaped_token()
    {
        using var response = await _http.PostAsync(TokenEndpoint, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = TestIssuer.Reader,
            ["client_secret"] = SecretOf(issuer),
            ["audience"] = TestIssuer.Audience,
        }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Bearer", body.RootElement.GetProperty("token_type").GetString());
        Assert.Equal(86400, body.RootElement.GetProperty("expires_in").GetInt32());
        Assert.Equal("read:clicks", body.RootElement.GetProperty("scope").GetString());

        var token = new JsonWebToken(body.RootElement.GetProperty("access_token").GetString());
        Assert.Equal("RS256", token.Alg);
        Assert.Equal(issuer.Server.CurrentSigningCredentials.Key.KeyId, token.Kid);
        Assert.Equal(issuer.Server.Authority.AbsoluteUri, token.Issuer);
        Assert.Equal([TestIssuer.Audience], token.Audiences);
        Assert.Equal(TestIssuer.Reader + "@clients", token.Subject);
        Assert.Equal(TestIssuer.Reader, token.GetPayloadValue<string>("azp"));
        Assert.Equal("client-credentials", token.GetPayloadValue<string>("gty"));
        Assert.Equal("read:clicks", token.GetPayloadValue<string>("scope"));
        Assert.Equal(TimeSpan.FromHours(24), token.ValidTo - token.IssuedAt);
    }

    [Fact]
    public async Task Token_response_is_never_cacheable()
    {
        // RFC 6749 §5.1: a response carrying a token MUST have Cache-Control: no-store.
        using var response = await _http.PostAsync(TokenEndpoint, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = TestIssuer.Writer,
            ["client_secret"] = SecretOf(issuer),
        }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.CacheControl?.NoStore, $"Cache-Control: {response.Headers.CacheControl}");
    }

    [Fact]
    public async Task Json_request_with_basic_credentials_is_accepted()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, TokenEndpoint)
        {
            Content = JsonContent.Create(new { grant_type = "client_credentials", audience = TestIssuer.Audience }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{TestIssuer.Writer}:{SecretOf(issuer)}")));

        using var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Wrong_basic_credentials_get_401_with_a_basic_challenge()
    {
        // RFC 6749 §5.2: a client that authenticated with the Authorization header gets 401 and a
        // WWW-Authenticate challenge for the scheme it used.
        using var request = new HttpRequestMessage(HttpMethod.Post, TokenEndpoint)
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials" }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{TestIssuer.Writer}:wrong-secret")));

        using var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Basic", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("invalid_client", body.RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Wrong_secret_in_the_body_gets_no_basic_challenge()
    {
        using var response = await _http.PostAsync(TokenEndpoint, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = TestIssuer.Writer,
            ["client_secret"] = "wrong-secret",
        }));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(response.Headers.WwwAuthenticate);
    }

    [Theory]
    [InlineData("client_credentials", TestIssuer.Writer, "wrong-secret", TestIssuer.Audience, HttpStatusCode.Unauthorized, "invalid_client")]
    [InlineData("client_credentials", "no-such-client", "x", TestIssuer.Audience, HttpStatusCode.Unauthorized, "invalid_client")]
    [InlineData("password", TestIssuer.Writer, null, TestIssuer.Audience, HttpStatusCode.Forbidden, "unsupported_grant_type")]
    [InlineData("client_credentials", TestIssuer.Writer, null, "https://other.example/api", HttpStatusCode.Forbidden, "access_denied")]
    [InlineData(null, TestIssuer.Writer, null, TestIssuer.Audience, HttpStatusCode.BadRequest, "invalid_request")]
    public async Task Bad_token_requests_get_auth0_errors(string? grantType, string clientId, string? secret, string audience, HttpStatusCode status, string error)
    {
        var fields = new Dictionary<string, string> { ["client_id"] = clientId, ["client_secret"] = secret ?? SecretOf(issuer), ["audience"] = audience };
        if (grantType is not null)
        {
            fields["grant_type"] = grantType;
        }

        using var response = await _http.PostAsync(TokenEndpoint, new FormUrlEncodedContent(fields));

        Assert.Equal(status, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(error, body.RootElement.GetProperty("error").GetString());
        Assert.False(string.IsNullOrEmpty(body.RootElement.GetProperty("error_description").GetString()));
    }

    [Fact]
    public async Task Requested_scope_narrows_the_grant()
    {
        using var response = await _http.PostAsync(TokenEndpoint, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = TestIssuer.Writer,
            ["client_secret"] = SecretOf(issuer),
            ["scope"] = "read:clicks",
        }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("read:clicks", body.RootElement.GetProperty("scope").GetString());
        var token = new JsonWebToken(body.RootElement.GetProperty("access_token").GetString());
        Assert.Equal("read:clicks", token.GetPayloadValue<string>("scope"));
    }

    [Fact]
    public async Task Requesting_a_scope_the_client_was_not_granted_is_refused_as_auth0_does()
    {
        // Auth0 answers 403 access_denied "Client has not been granted scopes: ..." rather than issuing a
        // token without them; a silently narrowed token would only fail later, at the API, with 403.
        using var response = await _http.PostAsync(TokenEndpoint, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = TestIssuer.Reader,
            ["client_secret"] = SecretOf(issuer),
            ["scope"] = "read:clicks write:clicks admin:everything",
        }));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("access_denied", body.RootElement.GetProperty("error").GetString());
        var description = body.RootElement.GetProperty("error_description").GetString()!;
        Assert.StartsWith("Client has not been granted scopes: ", description, StringComparison.Ordinal);
        Assert.Contains("write:clicks", description, StringComparison.Ordinal);
        Assert.Contains("admin:everything", description, StringComparison.Ordinal);
        Assert.DoesNotContain("read:clicks", description, StringComparison.Ordinal);
        Assert.False(body.RootElement.TryGetProperty("access_token", out _));
    }

    public void Dispose() => _http.Dispose();

    private static string SecretOf(TestIssuer issuer) => issuer.Secret;
}
