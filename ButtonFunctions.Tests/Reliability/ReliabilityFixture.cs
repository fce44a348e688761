using ButtonFunctions.Tests.EndToEnd;
using ButtonSimulator.Tokens;
using MongoDB.Driver;

namespace ButtonFunctions.Tests.Reliability;

/// <summary>
/// The whole system as the reliability scenarios drive it: the real worker under LocalHost (which restarts it when it
/// dies), LocalMongo with its fail points, LocalIssuer tokens, and the simulator's real token cache and HTTP action
/// sender in this process. The app runs with its default settings (retry budget, timeouts): what is tested is what ships.
/// </summary>
public sealed class ReliabilityFixture : AppFixture
{
    /// <summary>The client the scenarios configure fail points and read the store with (fail points match inserts only).</summary>
    public IMongoClient Admin => Database.Client;

    public Uri IngestUrl => new(Host.BaseAddress, "api/clicks");

    /// <summary>The simulator's client-credentials cache against LocalIssuer, as the AWS-side token refresher behaves.</summary>
    internal ClientCredentialsTokenCache Tokens(HttpClient http) =>
        new(http, new TokenEndpoint(new Uri(Issuer.Authority, "oauth/token"), WriterClientId, WriterSecret, Audience), TimeProvider.System);
}

/// <summary>
/// The reliability scenarios share one app stack and run one at a time, after the other test collections and alone
/// (they load the machine; sharing it with other tests would slow both and prove nothing more).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ReliabilityScenarios : ICollectionFixture<ReliabilityFixture>
{
    public const string Name = "Reliability";
}
