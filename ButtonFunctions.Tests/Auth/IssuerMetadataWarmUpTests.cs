using ButtonFunctions.Auth;
using ButtonFunctions.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ButtonFunctions.Tests.Auth;

/// <summary>The start-up fetch of the issuer's keys, against a real LocalIssuer (its own, so the fetch counts are its own).</summary>
[Trait("Category", "Unit")]
public sealed class IssuerMetadataWarmUpTests : IAsyncLifetime
{
    private readonly TestIssuer _issuer = new();

    public Task InitializeAsync() => _issuer.InitializeAsync();

    public Task DisposeAsync() => _issuer.DisposeAsync();

    [Fact]
    public async Task Start_up_fetches_the_keys_once_and_the_first_request_finds_them_cached()
    {
        using var metadata = new IssuerMetadata(Options.Create(_issuer.AppOptions()), TimeProvider.System, NullLogger<IssuerMetadata>.Instance);
        using var warmUp = new IssuerMetadataWarmUp(metadata, NullLogger<IssuerMetadataWarmUp>.Instance);

        await warmUp.StartAsync(CancellationToken.None);
        await Eventually.TrueAsync(() => _issuer.Server.JwksRequestCount == 1, because: "the start-up fetch never reached the issuer");
        await warmUp.StopAsync(CancellationToken.None);

        var configuration = await metadata.GetAsync(CancellationToken.None);
        Assert.NotEmpty(configuration.SigningKeys);
        Assert.Equal(1, _issuer.Server.JwksRequestCount);
        Assert.Equal(1, _issuer.Server.DiscoveryRequestCount);
    }

    [Fact]
    public async Task A_start_up_fetch_that_fails_leaves_the_fetch_to_the_first_request()
    {
        // A loopback port that was free a moment ago: nothing answers there.
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var unreachable = new Auth0Options { Authority = $"http://127.0.0.1:{port}/", Audience = TestIssuer.Audience };
        using var metadata = new IssuerMetadata(Options.Create(unreachable), TimeProvider.System, NullLogger<IssuerMetadata>.Instance);
        using var warmUp = new IssuerMetadataWarmUp(metadata, NullLogger<IssuerMetadataWarmUp>.Instance);

        await warmUp.StartAsync(CancellationToken.None);
        await warmUp.ExecuteTask!;

        await Assert.ThrowsAsync<InvalidOperationException>(() => metadata.GetAsync(CancellationToken.None));
    }
}
