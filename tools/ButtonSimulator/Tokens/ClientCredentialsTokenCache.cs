using System.Net.Http.Json;
using System.Text.Json.Serialization;

namespace ButtonSimulator.Tokens;

/// <summary>Where and as whom to get client-credentials tokens (Auth0 or LocalIssuer).</summary>
internal sealed record TokenEndpoint(Uri TokenUrl, string ClientId, string ClientSecret, string Audience);

/// <summary>Auth0 (or LocalIssuer) refused a token request or answered without a usable token.</summary>
internal sealed class TokenRequestException(string message) : Exception(message);

/// <summary>Where the sender gets its bearer token.</summary>
internal interface IAccessTokenSource
{
    ValueTask<string> GetTokenAsync(CancellationToken ct);

    /// <summary>Called once after the function refused <paramref name="refusedToken"/> (401): a newer token.</summary>
    ValueTask<string> RefreshAsync(string refusedToken, CancellationToken ct);
}

/// <summary>
/// Client-credentials access token, requested once and reused until shortly before it expires (Auth0's
/// free plan allows about 1,000 machine-to-machine tokens a month, so never one per click). Thread-safe
/// and single-flight: concurrent callers that find no usable token wait for one request.
/// </summary>
internal sealed class ClientCredentialsTokenCache(HttpClient http, TokenEndpoint endpoint, TimeProvider time) : IAccessTokenSource, IDisposable
{
    // Refresh this long before expiry: 5 minutes, or 10% of a short lifetime.
    private static readonly TimeSpan MaxEarlyRefresh = TimeSpan.FromMinutes(5);

    /// <summary>The shared client has no timeout (the sender times each try itself), so a token request gets its own.</summary>
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private CachedToken? _current;
    private int _requests;

    /// <summary>How many token requests were sent to the issuer.</summary>
    public int TokenRequests => Volatile.Read(ref _requests);

    public async ValueTask<string> GetTokenAsync(CancellationToken ct)
    {
        var current = Volatile.Read(ref _current);
        if (current is not null && time.GetUtcNow() < current.RefreshAt)
        {
            return current.AccessToken;
        }

        await _gate.WaitAsync(ct);
        try
        {
            current = _current;
            if (current is not null && time.GetUtcNow() < current.RefreshAt)
            {
                return current.AccessToken;
            }

            return (await RequestAndStoreAsync(ct)).AccessToken;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// After the function refused <paramref name="refusedToken"/> (401): gets a new token unless another
    /// caller already replaced that one, so a burst of 401s costs one request.
    /// </summary>
    public async ValueTask<string> RefreshAsync(string refusedToken, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            var current = _current;
            if (current is not null && current.AccessToken != refusedToken && time.GetUtcNow() < current.RefreshAt)
            {
                return current.AccessToken;
            }

            return (await RequestAndStoreAsync(ct)).AccessToken;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    private async Task<CachedToken> RequestAndStoreAsync(CancellationToken ct)
    {
        Interlocked.Increment(ref _requests);
        var requestedAt = time.GetUtcNow();
        using var content = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = endpoint.ClientId,
            ["client_secret"] = endpoint.ClientSecret,
            ["audience"] = endpoint.Audience,
        });
        HttpResponseMessage response;
        // Wall-clock on purpose: a safety net, and tests that move a fake clock must not trip it.
        using var timeout = new CancellationTokenSource(RequestTimeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        try
        {
            response = await http.PostAsync(endpoint.TokenUrl, content, linked.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            throw new TokenRequestException($"token endpoint {endpoint.TokenUrl} did not answer within {RequestTimeout.TotalSeconds:0} s: check the issuer, or point --authority/--token-url at a working one");
        }
        catch (HttpRequestException e)
        {
            throw new TokenRequestException($"token endpoint {endpoint.TokenUrl} unreachable ({e.Message}): start the issuer (dotnet run --project tools/LocalHost starts one) or point --authority/--token-url at yours");
        }

        using var _ = response;
        TokenResponse? body = null;
        try
        {
            body = await response.Content.ReadFromJsonAsync<TokenResponse>(ct);
        }
        catch (System.Text.Json.JsonException)
        {
            // Reported below as a malformed answer.
        }

        if (!response.IsSuccessStatusCode)
        {
            var reason = $"{body?.Error} {body?.ErrorDescription}".Trim();
            throw new TokenRequestException($"token request to {endpoint.TokenUrl} refused (HTTP {(int)response.StatusCode}{(reason.Length > 0 ? " " + reason : "")}): check --client-id, --client-secret and --audience (LocalHost makes a new client on every start)");
        }

        if (body is null || string.IsNullOrEmpty(body.AccessToken) || body.ExpiresIn is not > 0)
        {
            throw new TokenRequestException($"token response from {endpoint.TokenUrl} lacks access_token or a positive expires_in: is --token-url an OAuth 2.0 token endpoint?");
        }

        var lifetime = TimeSpan.FromSeconds(body.ExpiresIn.Value);
        var early = TimeSpan.FromTicks(Math.Min(MaxEarlyRefresh.Ticks, lifetime.Ticks / 10));
        var token = new CachedToken(body.AccessToken, requestedAt + lifetime - early);
        Volatile.Write(ref _current, token);
        return token;
    }

    private sealed record CachedToken(string AccessToken, DateTimeOffset RefreshAt);

    private sealed record TokenResponse(
        [property: JsonPropertyName("access_token")] string? AccessToken,
        [property: JsonPropertyName("expires_in")] double? ExpiresIn,
        [property: JsonPropertyName("error")] string? Error,
        [property: JsonPropertyName("error_description")] string? ErrorDescription);
}
