using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using LocalIssuer;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace ButtonFunctions.Tests.Auth;

/// <summary>
/// LocalIssuer's authorization code flow with PKCE, as Auth0 runs it for a Single Page Application: the
/// development login page, one-time codes bound to client, redirect_uri and challenge, CORS for the app's
/// web origin, and /v2/logout.
/// </summary>
public sealed partial class LocalIssuerPkceTests : IAsyncLifetime
{
    private const string ClientId = "spa-client";
    private const string Audience = "https://buttonfunctions.local/api";
    private const string Origin = "http://127.0.0.1:7999";
    private const string Callback = Origin + "/dashboard/";

    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private LocalIssuerServer _issuer = null!;

    public async Task InitializeAsync()
    {
        var options = new LocalIssuerOptions { Audience = Audience, TimeProvider = _time };
        options.SpaClients.Add(new LocalIssuerSpaClient(ClientId, [Callback], [Callback], [Origin], ["read:clicks"]));
        _issuer = await LocalIssuerServer.StartAsync(options);
    }

    public async Task DisposeAsync() => await _issuer.DisposeAsync();

    [Fact]
    public async Task Happy_path_signs_in_on_the_development_page_and_exchanges_the_code_once()
    {
        using var browser = new Browser(_issuer.Authority);
        var pkce = Pkce.New();

        using var authorize = await browser.GetAsync(AuthorizeUrl(pkce, state: "state-123", nonce: "nonce-456"));
        Assert.Equal(HttpStatusCode.Redirect, authorize.StatusCode);
        using var page = await browser.GetAsync(authorize.Headers.Location!.OriginalString);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("local development stand-in for Auth0", html, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);

        var callback = await browser.SignInAsync(html, "ada");
        Assert.StartsWith(Callback + "?", callback.OriginalString, StringComparison.Ordinal);
        var query = System.Web.HttpUtility.ParseQueryString(callback.Query);
        Assert.Equal("state-123", query["state"]);

        using var token = await browser.ExchangeAsync(query["code"]!, pkce.Verifier, Callback, origin: Origin);
        var body = await token.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, token.StatusCode);
        Assert.Equal(Origin, token.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal("no-store", token.Headers.CacheControl?.ToString());
        using var json = JsonDocument.Parse(body);
        Assert.Equal("Bearer", json.RootElement.GetProperty("token_type").GetString());
        Assert.Equal(7200, json.RootElement.GetProperty("expires_in").GetInt32());
        Assert.Equal("openid profile read:clicks", json.RootElement.GetProperty("scope").GetString());

        var keys = await SigningKeysAsync();
        var access = await ValidateAsync(json.RootElement.GetProperty("access_token").GetString()!, Audience, keys);
        Assert.Equal("local|ada", access.Subject);
        Assert.Equal(ClientId, access.GetPayloadValue<string>("azp"));
        Assert.Contains(_issuer.Authority.AbsoluteUri + "userinfo", access.Audiences);
        Assert.Equal("openid profile read:clicks", access.GetPayloadValue<string>("scope"));

        var id = await ValidateAsync(json.RootElement.GetProperty("id_token").GetString()!, ClientId, keys);
        Assert.Equal("nonce-456", id.GetPayloadValue<string>("nonce"));
        Assert.Equal("ada", id.GetPayloadValue<string>("name"));
        Assert.True(id.TryGetPayloadValue<long>("auth_time", out _));
    }

    [Fact]
    public async Task A_wrong_verifier_is_refused_and_burns_the_code()
    {
        using var browser = new Browser(_issuer.Authority);
        var pkce = Pkce.New();
        var code = await browser.CodeAsync(AuthorizeUrl(pkce));

        using var wrong = await browser.ExchangeAsync(code, Pkce.New().Verifier, Callback);
        await AssertAuth0ErrorAsync(wrong, HttpStatusCode.Forbidden, "invalid_grant", "Failed to verify code verifier");

        // One guess only: the right verifier no longer helps whoever tried the wrong one.
        using var right = await browser.ExchangeAsync(code, pkce.Verifier, Callback);
        await AssertAuth0ErrorAsync(right, HttpStatusCode.Forbidden, "invalid_grant", "Invalid authorization code");
    }

    [Theory]
    [InlineData("short")]
    [InlineData("has spaces in it but is long enough to pass the length check of rfc 7636")]
    public async Task A_verifier_outside_rfc_7636_is_refused(string verifier)
    {
        using var browser = new Browser(_issuer.Authority);
        var code = await browser.CodeAsync(AuthorizeUrl(Pkce.New()));

        using var response = await browser.ExchangeAsync(code, verifier, Callback);
        await AssertAuth0ErrorAsync(response, HttpStatusCode.Forbidden, "invalid_grant", "Failed to verify code verifier");
    }

    [Fact]
    public async Task A_reused_code_is_refused()
    {
        using var browser = new Browser(_issuer.Authority);
        var pkce = Pkce.New();
        var code = await browser.CodeAsync(AuthorizeUrl(pkce));

        using var first = await browser.ExchangeAsync(code, pkce.Verifier, Callback);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        using var second = await browser.ExchangeAsync(code, pkce.Verifier, Callback);
        await AssertAuth0ErrorAsync(second, HttpStatusCode.Forbidden, "invalid_grant", "Invalid authorization code");
    }

    [Fact]
    public async Task An_expired_code_is_refused()
    {
        using var browser = new Browser(_issuer.Authority);
        var pkce = Pkce.New();
        var code = await browser.CodeAsync(AuthorizeUrl(pkce));

        _time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        using var response = await browser.ExchangeAsync(code, pkce.Verifier, Callback);
        await AssertAuth0ErrorAsync(response, HttpStatusCode.Forbidden, "invalid_grant", "Invalid authorization code");
    }

    [Fact]
    public async Task A_code_exchanged_with_another_redirect_uri_is_refused()
    {
        using var browser = new Browser(_issuer.Authority);
        var pkce = Pkce.New();
        var code = await browser.CodeAsync(AuthorizeUrl(pkce));

        using var response = await browser.ExchangeAsync(code, pkce.Verifier, Origin + "/elsewhere/");
        await AssertAuth0ErrorAsync(response, HttpStatusCode.Forbidden, "invalid_grant", "Redirect URI mismatch");
    }

    [Theory]
    [InlineData(Origin + "/dashboard")]          // no trailing slash: exact match only, as Auth0
    [InlineData(Origin + "/dashboard/?x=1")]
    [InlineData("http://127.0.0.1:8000/dashboard/")]
    [InlineData("https://attacker.example/dashboard/")]
    public async Task A_redirect_uri_not_registered_gets_an_error_page_and_no_redirect(string redirectUri)
    {
        using var browser = new Browser(_issuer.Authority);

        using var response = await browser.GetAsync(AuthorizeUrl(Pkce.New(), redirectUri: redirectUri));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("unauthorized_client", html, StringComparison.Ordinal);
        Assert.Contains("Callback URL mismatch", html, StringComparison.Ordinal);
        Assert.Contains(System.Net.WebUtility.HtmlEncode(redirectUri), html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_client_gets_an_error_page()
    {
        using var browser = new Browser(_issuer.Authority);

        using var response = await browser.GetAsync(AuthorizeUrl(Pkce.New()).Replace(ClientId, "nobody", StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
        Assert.Contains("Unknown client: nobody", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("code_challenge_method=S256", "code_challenge_method=plain", "invalid_request")]
    [InlineData("response_type=code", "response_type=token", "unsupported_response_type")]
    [InlineData("audience=https%3A%2F%2Fbuttonfunctions.local%2Fapi", "audience=https%3A%2F%2Fother.example", "access_denied")]
    public async Task Bad_authorization_requests_come_back_to_the_app_with_an_error_and_the_state(string good, string bad, string error)
    {
        using var browser = new Browser(_issuer.Authority);
        var url = AuthorizeUrl(Pkce.New(), state: "s1");
        Assert.Contains(good, url, StringComparison.Ordinal);

        using var response = await browser.GetAsync(url.Replace(good, bad, StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!;
        Assert.StartsWith(Callback + "?", location.OriginalString, StringComparison.Ordinal);
        var query = System.Web.HttpUtility.ParseQueryString(location.Query);
        Assert.Equal(error, query["error"]);
        Assert.Equal("s1", query["state"]);
        Assert.Null(query["code"]);
    }

    [Fact]
    public async Task Cancel_on_the_login_page_returns_access_denied()
    {
        using var browser = new Browser(_issuer.Authority);
        using var authorize = await browser.GetAsync(AuthorizeUrl(Pkce.New(), state: "s2"));
        using var page = await browser.GetAsync(authorize.Headers.Location!.OriginalString);

        using var cancelled = await browser.PostFormAsync("/u/login", new()
        {
            ["state"] = LoginState(await page.Content.ReadAsStringAsync()),
            ["action"] = "cancel",
        });

        var query = System.Web.HttpUtility.ParseQueryString(cancelled.Headers.Location!.Query);
        Assert.Equal("access_denied", query["error"]);
        Assert.Equal("s2", query["state"]);
    }

    [Fact]
    public async Task The_issuer_session_skips_the_page_and_prompt_none_needs_it()
    {
        using var browser = new Browser(_issuer.Authority);
        using (var silent = await browser.GetAsync(AuthorizeUrl(Pkce.New(), prompt: "none")))
        {
            Assert.Equal("login_required", System.Web.HttpUtility.ParseQueryString(silent.Headers.Location!.Query)["error"]);
        }

        await browser.CodeAsync(AuthorizeUrl(Pkce.New()));

        using var again = await browser.GetAsync(AuthorizeUrl(Pkce.New(), prompt: "none"));
        Assert.NotNull(System.Web.HttpUtility.ParseQueryString(again.Headers.Location!.Query)["code"]);
    }

    [Fact]
    public async Task Logout_ends_the_session_and_returns_only_to_an_allowed_logout_url()
    {
        using var browser = new Browser(_issuer.Authority);
        await browser.CodeAsync(AuthorizeUrl(Pkce.New()));

        using (var refused = await browser.GetAsync($"/v2/logout?client_id={ClientId}&returnTo={Uri.EscapeDataString("https://attacker.example/")}"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Null(refused.Headers.Location);
            Assert.Contains("Allowed Logout URLs", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        await browser.CodeAsync(AuthorizeUrl(Pkce.New())); // signed in again (the refused logout still ended the session)
        using (var logout = await browser.GetAsync($"/v2/logout?client_id={ClientId}&returnTo={Uri.EscapeDataString(Callback)}"))
        {
            Assert.Equal(HttpStatusCode.Redirect, logout.StatusCode);
            Assert.Equal(Callback, logout.Headers.Location!.OriginalString);
        }

        using var afterwards = await browser.GetAsync(AuthorizeUrl(Pkce.New()));
        Assert.StartsWith("/u/login?", afterwards.Headers.Location!.OriginalString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_endpoint_preflight_is_allowed_for_the_web_origin_only()
    {
        using var http = new HttpClient { BaseAddress = _issuer.Authority };

        using var allowed = await http.SendAsync(Preflight(Origin));
        Assert.Equal(HttpStatusCode.NoContent, allowed.StatusCode);
        Assert.Equal(Origin, allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("auth0-client", allowed.Headers.GetValues("Access-Control-Allow-Headers").Single(), StringComparison.Ordinal);

        using var refused = await http.SendAsync(Preflight("https://attacker.example"));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.False(refused.Headers.Contains("Access-Control-Allow-Origin"));

        static HttpRequestMessage Preflight(string origin)
        {
            var request = new HttpRequestMessage(HttpMethod.Options, "oauth/token");
            request.Headers.Add("Origin", origin);
            request.Headers.Add("Access-Control-Request-Method", "POST");
            request.Headers.Add("Access-Control-Request-Headers", "content-type,auth0-client");
            return request;
        }
    }

    [Fact]
    public async Task Token_answer_to_another_origin_carries_no_cors_header()
    {
        using var browser = new Browser(_issuer.Authority);
        var pkce = Pkce.New();
        var code = await browser.CodeAsync(AuthorizeUrl(pkce));

        using var response = await browser.ExchangeAsync(code, pkce.Verifier, Callback, origin: "https://attacker.example");

        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Discovery_names_what_a_browser_client_reads()
    {
        using var http = new HttpClient();
        using var response = await http.GetAsync(new Uri(_issuer.Authority, ".well-known/openid-configuration"));
        var configuration = OpenIdConnectConfiguration.Create(await response.Content.ReadAsStringAsync());

        Assert.Equal(new Uri(_issuer.Authority, "authorize").AbsoluteUri, configuration.AuthorizationEndpoint);
        Assert.Contains("code", configuration.ResponseTypesSupported);
        Assert.Contains("authorization_code", configuration.GrantTypesSupported);
        Assert.Equal(["S256"], configuration.CodeChallengeMethodsSupported);
        Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        // Logout is Auth0's /v2/logout; no OIDC end-session endpoint is claimed that is not there.
        Assert.Null(configuration.EndSessionEndpoint);
    }

    private static string AuthorizeUrl(Pkce pkce, string? redirectUri = null, string? state = null, string? nonce = null, string? prompt = null)
    {
        var query = new Dictionary<string, string?>
        {
            ["client_id"] = ClientId,
            ["redirect_uri"] = redirectUri ?? Callback,
            ["response_type"] = "code",
            ["response_mode"] = "query",
            ["scope"] = "openid profile read:clicks write:clicks",
            ["audience"] = Audience,
            ["code_challenge"] = pkce.Challenge,
            ["code_challenge_method"] = "S256",
            ["state"] = state,
            ["nonce"] = nonce,
            ["prompt"] = prompt,
        };
        return "/authorize?" + string.Join('&', query.Where(p => p.Value is not null).Select(p => $"{p.Key}={Uri.EscapeDataString(p.Value!)}"));
    }

    private static async Task AssertAuth0ErrorAsync(HttpResponseMessage response, HttpStatusCode status, string error, string descriptionStart)
    {
        Assert.Equal(status, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(error, json.RootElement.GetProperty("error").GetString());
        Assert.StartsWith(descriptionStart, json.RootElement.GetProperty("error_description").GetString(), StringComparison.Ordinal);
    }

    private async Task<JsonWebKeySet> SigningKeysAsync()
    {
        using var http = new HttpClient();
        return new JsonWebKeySet(await http.GetStringAsync(new Uri(_issuer.Authority, ".well-known/jwks.json")));
    }

    private async Task<JsonWebToken> ValidateAsync(string token, string audience, JsonWebKeySet keys)
    {
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = _issuer.Authority.AbsoluteUri,
            ValidAudience = audience,
            IssuerSigningKeys = keys.GetSigningKeys(),
            ValidAlgorithms = ["RS256"],
            LifetimeValidator = (_, expires, _, _) => expires > _time.GetUtcNow().UtcDateTime,
        });
        Assert.True(result.IsValid, result.Exception?.Message);
        return (JsonWebToken)result.SecurityToken;
    }

    private static string LoginState(string html) => System.Net.WebUtility.HtmlDecode(StateField().Match(html).Groups[1].Value);

    [GeneratedRegex("name=\"state\" value=\"([^\"]+)\"")]
    private static partial Regex StateField();

    private sealed record Pkce(string Verifier, string Challenge)
    {
        public static Pkce New()
        {
            var verifier = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
            return new Pkce(verifier, Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))));
        }
    }

    /// <summary>What a browser does against the issuer: keeps its cookies, follows nothing by itself.</summary>
    private sealed class Browser(Uri authority) : IDisposable
    {
        private readonly HttpClient _http = new(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() })
        {
            BaseAddress = authority,
        };

        public Task<HttpResponseMessage> GetAsync(string url) => _http.GetAsync(new Uri(url, UriKind.Relative));

        public Task<HttpResponseMessage> PostFormAsync(string url, Dictionary<string, string> form) =>
            _http.PostAsync(new Uri(url, UriKind.Relative), new FormUrlEncodedContent(form));

        /// <summary>Submits the login form with a user name; answers where the issuer sends the browser.</summary>
        public async Task<Uri> SignInAsync(string loginPageHtml, string userName)
        {
            using var response = await PostFormAsync("/u/login", new()
            {
                ["state"] = LoginState(loginPageHtml),
                ["username"] = userName,
                ["action"] = "login",
            });
            Assert.True(response.StatusCode == HttpStatusCode.Redirect, await response.Content.ReadAsStringAsync());
            return response.Headers.Location!;
        }

        /// <summary>Runs /authorize (through the login page when there is no session yet) and answers the code.</summary>
        public async Task<string> CodeAsync(string authorizeUrl)
        {
            using var authorize = await GetAsync(authorizeUrl);
            Assert.Equal(HttpStatusCode.Redirect, authorize.StatusCode);
            var location = authorize.Headers.Location!;
            if (location.OriginalString.StartsWith("/u/login", StringComparison.Ordinal))
            {
                using var page = await GetAsync(location.OriginalString);
                location = await SignInAsync(await page.Content.ReadAsStringAsync(), "ada");
            }

            return System.Web.HttpUtility.ParseQueryString(location.Query)["code"]
                ?? throw new InvalidOperationException("no code in " + location);
        }

        public Task<HttpResponseMessage> ExchangeAsync(string code, string verifier, string redirectUri, string? origin = null)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "oauth/token")
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["grant_type"] = "authorization_code",
                    ["client_id"] = ClientId,
                    ["code"] = code,
                    ["code_verifier"] = verifier,
                    ["redirect_uri"] = redirectUri,
                }),
            };
            if (origin is not null)
            {
                request.Headers.Add("Origin", origin);
            }

            return _http.SendAsync(request);
        }

        public void Dispose() => _http.Dispose();
    }
}
