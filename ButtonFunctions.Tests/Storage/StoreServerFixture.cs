using LocalMongo;
using MongoDB.Bson;
using MongoDB.Driver;

namespace ButtonFunctions.Tests.Storage;

/// <summary>
/// The server the store contract tests run against: LocalMongo (in process, free port) by default, or the
/// real MongoDB / Cosmos DB named by <c>BUTTONS_TEST_MONGODB_URI</c>. Fault tests use MongoDB's own
/// <c>failCommand</c> fail point, so a real mongod needs <c>--setParameter enableTestCommands=1</c>.
/// </summary>
public sealed class StoreServerFixture : IAsyncLifetime
{
    public const string EnvironmentVariable = "BUTTONS_TEST_MONGODB_URI";

    private LocalMongoServer? _local;

    public string ConnectionString { get; private set; } = string.Empty;

    /// <summary>LocalMongo honours a fail point's <c>errmsg</c>; a real mongod answers with its own message.</summary>
    public bool IsLocalStandIn => _local is not null;

    public async Task InitializeAsync()
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } uri)
        {
            ConnectionString = uri;
            return;
        }

        _local = await LocalMongoServer.StartAsync();
        ConnectionString = _local.ConnectionString;
    }

    public async Task DisposeAsync()
    {
        if (_local is not null)
        {
            await _local.DisposeAsync();
        }
    }
}
