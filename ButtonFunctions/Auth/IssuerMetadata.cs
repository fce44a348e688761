using ButtonFunctions.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace ButtonFunctions.Auth;

/// <summary>
/// The issuer's OIDC discovery document and JWKS, fetched and refreshed by
/// <see cref="ConfigurationManager{T}"/>, plus the one extra rule Auth0 key rotation needs: a token
/// signed with a key we have not seen yet triggers one refresh — at most once per
/// <see cref="Auth0Options.MetadataRefreshInterval"/> — before it is refused.
/// </summary>
internal sealed partial class IssuerMetadata : IDisposable
{
    // Since IdentityModel 8, ConfigurationManager refreshes in the background after RequestRefresh, so the
    // request that met the new key would still be checked against the old key set. This documented switch
    // makes the refresh happen inside the next GetConfigurationAsync call instead, which is what lets the
    // first token signed with a rotated key pass. IdentityModel caches the switch on first read, so it is set
    // in runtimeconfig.json (RuntimeHostConfigurationOption in the csproj); setting it here is only a fallback.
    private const string BlockingRefreshSwitch = "Switch.Microsoft.IdentityModel.UpdateConfigAsBlocking";

    private readonly ConfigurationManager<OpenIdConnectConfiguration> _manager;
    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly TimeSpan _refreshInterval;
    private readonly ILogger<IssuerMetadata> _logger;
    private readonly SemaphoreSlim _refreshGate = new(1, 1);
    private readonly LogSampler _skippedLog;
    private DateTimeOffset _lastForcedRefresh = DateTimeOffset.MinValue;

    public IssuerMetadata(IOptions<Auth0Options> options, TimeProvider time, ILogger<IssuerMetadata> logger)
    {
        AppContext.SetSwitch(BlockingRefreshSwitch, true);
        _time = time;
        _logger = logger;
        _refreshInterval = options.Value.MetadataRefreshInterval;
        _skippedLog = new LogSampler(LogSampler.DefaultInterval, time);
        var authority = options.Value.ResolveAuthority();
        Authority = authority.AbsoluteUri;

        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            Timeout = TimeSpan.FromSeconds(10),
        };
        var retriever = new HttpDocumentRetriever(_http) { RequireHttps = authority.Scheme == Uri.UriSchemeHttps };
        _manager = new ConfigurationManager<OpenIdConnectConfiguration>(
            new Uri(authority, ".well-known/openid-configuration").AbsoluteUri,
            new OpenIdConnectConfigurationRetriever(),
            retriever)
        {
            // RefreshInterval is ConfigurationManager's own floor between RequestRefresh-triggered fetches
            // (minimum 1 s); AutomaticRefreshInterval (default 12 h, minimum 5 min) is the periodic refresh.
            // Auth0 publishes the next key well before signing with it, so 12 h plus on-demand refresh suffices.
            RefreshInterval = _refreshInterval,
        };
    }

    /// <summary>The exact issuer tokens must carry, with its trailing slash.</summary>
    public string Authority { get; }

    /// <summary>Current metadata (cached; the first call fetches it). Throws <see cref="InvalidOperationException"/> when it cannot be fetched.</summary>
    public Task<OpenIdConnectConfiguration> GetAsync(CancellationToken cancellationToken) =>
        _manager.GetConfigurationAsync(cancellationToken);

    /// <summary>
    /// Called when a token's key is not in <paramref name="seen"/>: returns newer metadata to retry with,
    /// or <c>null</c> when a refresh is not allowed yet (rate limit) and the token must be refused.
    /// </summary>
    public async Task<OpenIdConnectConfiguration?> RefreshForUnknownKeyAsync(OpenIdConnectConfiguration seen, CancellationToken cancellationToken)
    {
        await _refreshGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var current = await _manager.GetConfigurationAsync(cancellationToken).ConfigureAwait(false);
            if (!ReferenceEquals(current, seen))
            {
                // Someone refreshed while this request waited: retry with that.
                return current;
            }

            var now = _time.GetUtcNow();
            if (now - _lastForcedRefresh < _refreshInterval)
            {
                AppMetrics.Add(AppMetrics.JwksRefreshes, 1, AppMetrics.OutcomeTag, "rate_limited");
                if (_skippedLog.ShouldLog(out var heldBack))
                {
                    LogRefreshSkipped(_logger, _refreshInterval, heldBack);
                }

                return null;
            }

            _lastForcedRefresh = now;
            LogRefreshing(_logger);
            AppMetrics.Add(AppMetrics.JwksRefreshes, 1, AppMetrics.OutcomeTag, "fetched");
            _manager.RequestRefresh();
            var refreshed = await _manager.GetConfigurationAsync(cancellationToken).ConfigureAwait(false);
            return ReferenceEquals(refreshed, seen) ? null : refreshed;
        }
        finally
        {
            _refreshGate.Release();
        }
    }

    public void Dispose()
    {
        _refreshGate.Dispose();
        _http.Dispose();
    }

    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "Token signed with an unknown key id; refreshing the issuer's signing keys")]
    private static partial void LogRefreshing(ILogger logger);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Warning, Message = "Token signed with an unknown key id; keys were refreshed less than {RefreshInterval} ago, refusing without another fetch ({HeldBack} more such tokens since the previous line; at most one a minute)")]
    private static partial void LogRefreshSkipped(ILogger logger, TimeSpan refreshInterval, long heldBack);
}
