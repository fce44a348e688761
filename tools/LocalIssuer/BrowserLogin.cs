using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.Tokens;

namespace LocalIssuer;

/// <summary>
/// The browser side of LocalIssuer, as Auth0 does it for a Single Page Application: <c>GET /authorize</c>
/// (authorization code + PKCE S256), a development login page at <c>/u/login</c> standing in for Universal Login,
/// the one-time codes the token endpoint exchanges, the issuer's own session (so a second sign-in skips the page,
/// and <c>prompt=none</c> works), and <c>GET /v2/logout</c>. State lives in memory only.
/// </summary>
internal sealed class BrowserLogin(LocalIssuerOptions options)
{
    public const string SessionCookie = "localissuer_session";

    /// <summary>Bounds on what an anonymous caller can make this process remember.</summary>
    private const int MaxPending = 10_000;

    private static readonly TimeSpan LoginPageLifetime = TimeSpan.FromMinutes(10);
    private static readonly HashSet<string> OidcScopes = new(StringComparer.Ordinal) { "openid", "profile", "email", "offline_access" };

    private readonly ConcurrentDictionary<string, LocalIssuerSpaClient> _clients = new(
        options.SpaClients.Select(c => KeyValuePair.Create(c.ClientId, c)), StringComparer.Ordinal);

    private readonly ConcurrentDictionary<string, AuthorizeRequest> _loginPages = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, IssuedCode> _codes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Session> _sessions = new(StringComparer.Ordinal);

    private DateTimeOffset Now => options.TimeProvider.GetUtcNow();

    public void Register(LocalIssuerSpaClient client) => _clients[client.ClientId] = client;

    public LocalIssuerSpaClient? Client(string? clientId) =>
        clientId is not null && _clients.TryGetValue(clientId, out var client) ? client : null;

    /// <summary>Whether any registered application lists <paramref name="origin"/> in its Allowed Web Origins.</summary>
    public bool IsWebOrigin(string origin) => _clients.Values.Any(c => c.WebOrigins.Contains(origin, StringComparer.Ordinal));

    /// <summary><c>GET /authorize</c>.</summary>
    public IResult Authorize(HttpContext context)
    {
        var query = context.Request.Query;
        string? Single(string name) => query[name].Count == 1 ? query[name][0] : null;

        // Until client and redirect_uri are known good, errors are shown here and never redirected (RFC 6749
        // §4.1.2.1), as Auth0 shows its "Callback URL mismatch" page.
        var clientId = Single("client_id");
        if (string.IsNullOrEmpty(clientId))
        {
            return ErrorPage(StatusCodes.Status400BadRequest, "invalid_request", "Missing required parameter: client_id");
        }

        var client = Client(clientId);
        if (client is null)
        {
            return ErrorPage(StatusCodes.Status400BadRequest, "invalid_request", $"Unknown client: {clientId}");
        }

        var redirectUri = Single("redirect_uri");
        if (string.IsNullOrEmpty(redirectUri))
        {
            return ErrorPage(StatusCodes.Status400BadRequest, "invalid_request", "Missing required parameter: redirect_uri");
        }

        if (!client.CallbackUrls.Contains(redirectUri, StringComparer.Ordinal))
        {
            return ErrorPage(StatusCodes.Status400BadRequest, "unauthorized_client",
                $"Callback URL mismatch. {redirectUri} is not in the list of allowed callback URLs.");
        }

        var state = Single("state");
        var responseMode = Single("response_mode") ?? "query";
        if (responseMode is not ("query" or "fragment"))
        {
            // Auth0 also has web_message and form_post; LocalIssuer answers them in the default mode's place.
            return Redirect(redirectUri, "query", state, ("error", "invalid_request"),
                ("error_description", $"response_mode {responseMode} is not supported by LocalIssuer (query or fragment)"));
        }

        IResult Fail(string error, string description) =>
            Redirect(redirectUri, responseMode, state, ("error", error), ("error_description", description));

        var responseType = Single("response_type");
        if (responseType != "code")
        {
            return Fail("unsupported_response_type", $"Unsupported response type: {responseType}");
        }

        var challenge = Single("code_challenge");
        var method = Single("code_challenge_method");
        if (string.IsNullOrEmpty(challenge))
        {
            return Fail("invalid_request", "Parameter 'code_challenge' is required: a Single Page Application must use PKCE");
        }

        if (method != "S256")
        {
            // Auth0 supports only S256; "plain" would hand the verifier to whoever sees the redirect.
            return Fail("invalid_request", $"Unsupported code_challenge_method: {method ?? "(none)"}; use S256");
        }

        if (challenge.Length != 43 || !challenge.All(IsBase64UrlChar))
        {
            return Fail("invalid_request", "code_challenge must be the base64url SHA-256 of the code_verifier (43 characters)");
        }

        var apiAudience = client.Audience ?? options.Audience;
        var audience = Single("audience") is { Length: > 0 } requestedAudience ? requestedAudience : options.Audience;
        if (audience != apiAudience)
        {
            return Fail("access_denied", $"Service not found: {audience}");
        }

        var request = new AuthorizeRequest(client.ClientId, redirectUri, responseMode, state, Single("nonce"), challenge,
            GrantedScope(client, Single("scope")), audience, Now + LoginPageLifetime);

        var prompt = Single("prompt");
        var session = CurrentSession(context);
        if (prompt != "login" && session is not null)
        {
            return IssueCode(request, session);
        }

        if (prompt == "none")
        {
            return Fail("login_required", "Login required");
        }

        Prune();
        if (_loginPages.Count >= MaxPending)
        {
            return ErrorPage(StatusCodes.Status503ServiceUnavailable, "temporarily_unavailable", "Too many sign-ins under way; try again shortly");
        }

        var pageId = NewSecret();
        _loginPages[pageId] = request;
        return Results.Redirect("/u/login?state=" + Uri.EscapeDataString(pageId));
    }

    /// <summary><c>GET /u/login</c>: the development login page.</summary>
    public IResult LoginPage(HttpContext context)
    {
        var pageId = context.Request.Query["state"].ToString();
        if (!TryGetLoginPage(pageId, out var request))
        {
            return ExpiredLoginPage();
        }

        return LoginHtml(pageId, request, error: null);
    }

    /// <summary><c>POST /u/login</c>: the developer typed a name and pressed Sign in (or Cancel).</summary>
    public async Task<IResult> SubmitLogin(HttpContext context)
    {
        if (!context.Request.HasFormContentType)
        {
            return ErrorPage(StatusCodes.Status400BadRequest, "invalid_request", "The login form must be posted as application/x-www-form-urlencoded");
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
        var pageId = form["state"].ToString();
        if (!TryGetLoginPage(pageId, out var request))
        {
            return ExpiredLoginPage();
        }

        if (form["action"] == "cancel")
        {
            _loginPages.TryRemove(pageId, out _);
            return Redirect(request.RedirectUri, request.ResponseMode, request.State,
                ("error", "access_denied"), ("error_description", "User did not authorize the request"));
        }

        var userName = form["username"].ToString().Trim();
        if (userName.Length is 0 or > 64 || userName.Any(char.IsControl))
        {
            return LoginHtml(pageId, request, "Type a user name of 1 to 64 characters.");
        }

        if (!_loginPages.TryRemove(pageId, out _))
        {
            return ExpiredLoginPage(); // submitted twice: the first one won
        }

        var sessionId = NewSecret();
        var session = new Session(userName, Now, Now + options.SessionLifetime);
        _sessions[sessionId] = session;
        context.Response.Cookies.Append(SessionCookie, sessionId, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Lax,
            Path = "/",
            MaxAge = options.SessionLifetime,
        });
        return IssueCode(request, session);
    }

    /// <summary>
    /// Takes a code out of circulation: whatever the outcome of this exchange, the code never works again
    /// (RFC 6749 §4.1.2: single use).
    /// </summary>
    public IssuedCode? Redeem(string code)
    {
        if (!_codes.TryRemove(code, out var issued))
        {
            return null;
        }

        return issued.ExpiresAt > Now ? issued : null;
    }

    /// <summary><c>GET /v2/logout?client_id=&amp;returnTo=</c>: ends the issuer's session and goes back to an allowed URL.</summary>
    public IResult Logout(HttpContext context)
    {
        if (context.Request.Cookies.TryGetValue(SessionCookie, out var sessionId))
        {
            _sessions.TryRemove(sessionId, out _);
        }

        context.Response.Cookies.Delete(SessionCookie, new CookieOptions { Path = "/" });
        var query = context.Request.Query;
        var clientId = query["client_id"].ToString();
        var returnTo = query["returnTo"].ToString();
        if (clientId.Length == 0)
        {
            // Without client_id Auth0 checks the tenant's Allowed Logout URLs; LocalIssuer's tenant lists none.
            return returnTo.Length == 0
                ? LoggedOutPage()
                : ErrorPage(StatusCodes.Status400BadRequest, "invalid_request",
                    $"The \"returnTo\" querystring parameter \"{returnTo}\" is not defined as a valid URL in \"Allowed Logout URLs\" of the tenant; pass client_id.");
        }

        var client = Client(clientId);
        if (client is null)
        {
            return ErrorPage(StatusCodes.Status400BadRequest, "invalid_request", $"Unknown client: {clientId}");
        }

        if (returnTo.Length == 0)
        {
            return client.LogoutUrls.Count > 0 ? Results.Redirect(client.LogoutUrls[0]) : LoggedOutPage();
        }

        // Auth0 compares returnTo without its query string and fragment.
        var withoutQuery = returnTo.Split('#', 2)[0].Split('?', 2)[0];
        if (!client.LogoutUrls.Contains(withoutQuery, StringComparer.Ordinal))
        {
            return ErrorPage(StatusCodes.Status400BadRequest, "invalid_request",
                $"The \"returnTo\" querystring parameter \"{returnTo}\" is not defined as a valid URL in \"Allowed Logout URLs\".");
        }

        return Results.Redirect(returnTo);
    }

    public static bool IsValidVerifier(string verifier) =>
        verifier.Length is >= 43 and <= 128 && verifier.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~');

    /// <summary>RFC 7636 §4.6: BASE64URL(SHA256(ASCII(code_verifier))) == code_challenge.</summary>
    public static bool VerifierMatches(string verifier, string challenge)
    {
        var computed = Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(computed), Encoding.ASCII.GetBytes(challenge));
    }

    /// <summary>
    /// As Auth0 does for a first-party application's users: OIDC scopes pass, API scopes pass when the application
    /// may grant them, anything else is dropped (not refused); <c>openid</c> is always there.
    /// </summary>
    private static string GrantedScope(LocalIssuerSpaClient client, string? requested)
    {
        var scopes = new List<string> { "openid" };
        foreach (var scope in (requested ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if ((OidcScopes.Contains(scope) || client.Scopes.Contains(scope, StringComparer.Ordinal)) && !scopes.Contains(scope))
            {
                scopes.Add(scope);
            }
        }

        return string.Join(' ', scopes);
    }

    private IResult IssueCode(AuthorizeRequest request, Session session)
    {
        Prune();
        if (_codes.Count >= MaxPending)
        {
            return Redirect(request.RedirectUri, request.ResponseMode, request.State,
                ("error", "temporarily_unavailable"), ("error_description", "Too many codes waiting for exchange"));
        }

        var code = NewSecret();
        _codes[code] = new IssuedCode(request, session.UserName, session.AuthTime, Now + options.AuthorizationCodeLifetime);
        return Redirect(request.RedirectUri, request.ResponseMode, request.State, ("code", code));
    }

    private Session? CurrentSession(HttpContext context) =>
        context.Request.Cookies.TryGetValue(SessionCookie, out var id) && _sessions.TryGetValue(id, out var session) && session.ExpiresAt > Now
            ? session
            : null;

    private bool TryGetLoginPage(string pageId, out AuthorizeRequest request)
    {
        if (_loginPages.TryGetValue(pageId, out var found) && found.ExpiresAt > Now)
        {
            request = found;
            return true;
        }

        request = null!;
        return false;
    }

    private void Prune()
    {
        var now = Now;
        foreach (var (key, value) in _loginPages)
        {
            if (value.ExpiresAt <= now) _loginPages.TryRemove(key, out _);
        }

        foreach (var (key, value) in _codes)
        {
            if (value.ExpiresAt <= now) _codes.TryRemove(key, out _);
        }

        foreach (var (key, value) in _sessions)
        {
            if (value.ExpiresAt <= now) _sessions.TryRemove(key, out _);
        }
    }

    private static IResult Redirect(string redirectUri, string responseMode, string? state, params (string Name, string Value)[] parameters)
    {
        var values = parameters.ToList();
        if (state is not null)
        {
            values.Add(("state", state));
        }

        var encoded = string.Join('&', values.Select(p => Uri.EscapeDataString(p.Name) + "=" + Uri.EscapeDataString(p.Value)));
        var separator = responseMode == "fragment" ? "#" : redirectUri.Contains('?', StringComparison.Ordinal) ? "&" : "?";
        return Results.Redirect(redirectUri + separator + encoded);
    }

    private static string NewSecret() => Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));

    private static bool IsBase64UrlChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_';

    private static HtmlPage ExpiredLoginPage() => ErrorPage(StatusCodes.Status400BadRequest, "invalid_request",
        "This login page has expired or was already used. Go back to the application and sign in again.");

    private static HtmlPage LoginHtml(string pageId, AuthorizeRequest request, string? error)
    {
        Func<string?, string?> e = System.Net.WebUtility.HtmlEncode;
        var errorHtml = error is null ? "" : $"<p class=\"error\" role=\"alert\">{e(error)}</p>";
        var body = $"""
            <main>
              <p class="banner"><strong>LocalIssuer</strong> — a local development stand-in for Auth0. There are no passwords:
              any user name signs in. Never use it for anything real.</p>
              <h1>Sign in to {e(request.ClientId)}</h1>
              <p>The application asks for: <code>{e(request.Scope)}</code> on <code>{e(request.Audience)}</code>.</p>
              {errorHtml}
              <form method="post" action="/u/login">
                <input type="hidden" name="state" value="{e(pageId)}">
                <label for="username">User name</label>
                <input id="username" name="username" value="developer" autocomplete="username" required maxlength="64" autofocus>
                <div class="actions">
                  <button type="submit" name="action" value="login">Sign in</button>
                  <button type="submit" name="action" value="cancel" formnovalidate class="secondary">Cancel</button>
                </div>
              </form>
            </main>
            """;
        // form-action must also allow the callback's origin: browsers apply it to the redirect that follows the post.
        var callbackOrigin = new Uri(request.RedirectUri).GetLeftPart(UriPartial.Authority);
        return Page(StatusCodes.Status200OK, "Sign in — LocalIssuer (development stand-in)", body, callbackOrigin);
    }

    private static HtmlPage LoggedOutPage() => Page(StatusCodes.Status200OK, "Logged out — LocalIssuer",
        "<main><p class=\"banner\"><strong>LocalIssuer</strong> — a local development stand-in for Auth0.</p><h1>You are logged out.</h1></main>", null);

    private static HtmlPage ErrorPage(int status, string error, string description)
    {
        Func<string?, string?> e = System.Net.WebUtility.HtmlEncode;
        return Page(status, "Error — LocalIssuer", $"""
            <main>
              <p class="banner"><strong>LocalIssuer</strong> — a local development stand-in for Auth0.</p>
              <h1>Oops!, something went wrong</h1>
              <p class="error" role="alert"><code>{e(error)}</code>: {e(description)}</p>
            </main>
            """, null);
    }

    private static HtmlPage Page(int status, string title, string body, string? formTarget)
    {
        var html = $$"""
            <!doctype html>
            <html lang="en">
            <head>
              <meta charset="utf-8">
              <meta name="viewport" content="width=device-width, initial-scale=1">
              <meta name="robots" content="noindex">
              <title>{{System.Net.WebUtility.HtmlEncode(title)}}</title>
              <style>
                body { font: 16px/1.5 system-ui, sans-serif; margin: 0; background: #f3f4f6; color: #111827; }
                main { max-width: 28rem; margin: 2rem auto; padding: 1.5rem; background: #fff; border-radius: .5rem; }
                .banner { background: #fef3c7; color: #78350f; border: 2px dashed #b45309; padding: .75rem; border-radius: .375rem; }
                .error { color: #991b1b; }
                label { display: block; font-weight: 600; margin-top: 1rem; }
                input { font: inherit; width: 100%; box-sizing: border-box; padding: .5rem; border: 1px solid #6b7280; border-radius: .25rem; }
                .actions { display: flex; gap: .75rem; margin-top: 1rem; }
                button { font: inherit; padding: .5rem 1rem; border-radius: .25rem; border: 1px solid #1d4ed8; background: #1d4ed8; color: #fff; cursor: pointer; }
                button.secondary { background: #fff; color: #1d4ed8; }
                :focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }
              </style>
            </head>
            <body>
            {{body}}
            </body>
            </html>
            """;
        return new HtmlPage(status, html, formTarget);
    }

    /// <summary>An HTML page that may not be framed, cached or sniffed, and whose form may post only to the issuer.</summary>
    private sealed class HtmlPage(int status, string html, string? formTarget) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.StatusCode = status;
            response.ContentType = "text/html; charset=utf-8";
            response.Headers.CacheControl = "no-store";
            response.Headers.XContentTypeOptions = "nosniff";
            response.Headers["Referrer-Policy"] = "no-referrer";
            response.Headers.ContentSecurityPolicy =
                $"default-src 'none'; style-src 'unsafe-inline'; form-action 'self'{(formTarget is null ? "" : " " + formTarget)}; frame-ancestors 'none'; base-uri 'none'";
            return response.WriteAsync(html, httpContext.RequestAborted);
        }
    }

    internal sealed record AuthorizeRequest(
        string ClientId, string RedirectUri, string ResponseMode, string? State, string? Nonce, string CodeChallenge, string Scope, string Audience,
        DateTimeOffset ExpiresAt);

    internal sealed record IssuedCode(AuthorizeRequest Request, string UserName, DateTimeOffset AuthTime, DateTimeOffset ExpiresAt);

    private sealed record Session(string UserName, DateTimeOffset AuthTime, DateTimeOffset ExpiresAt);
}
