using ButtonFunctions.Tests.Support;
using LocalMongo;
using MongoDB.Driver;

namespace ButtonFunctions.Tests.Storage;

/// <summary>
/// The server the store contract tests run against: LocalMongo (in process, free port) by default, or the
/// real MongoDB / Cosmos DB named by <c>BUTTONS_TEST_MONGODB_URI</c>. Whether it has MongoDB's <c>failCommand</c>
/// fail point is found out once; fault tests that need it skip (with the reason) where it is missing.
/// </summary>
public class StoreServerFixture : IAsyncLifetime
{
    public const string EnvironmentVariable = "BUTTONS_TEST_MONGODB_URI";

    private LocalMongoServer? _local;

    public string ConnectionString { get; private set; } = string.Empty;

    /// <summary>LocalMongo honours a fail point's <c>errmsg</c>; a real mongod answers with its own message.</summary>
    public bool IsLocalStandIn => _local is not null;

    /// <summary>Null when the server has fail points; otherwise why the fault tests are skipped.</summary>
    public string? FailPointsMissingReason { get; private set; }

    public bool HasFailPoints => FailPointsMissingReason is null;

    /// <summary>Skips the calling <see cref="SkippableFactAttribute"/> test when the server has no fail points.</summary>
    public void RequireFailPoints() => Skip.Unless(HasFailPoints, "Needs fail points: " + FailPointsMissingReason);

    /// <summary>The server's connection string from the environment, or null to use LocalMongo.</summary>
    protected virtual string? ExternalServer => Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } uri ? uri : null;

    /// <summary>How the in-process LocalMongo is started when no external server is named.</summary>
    protected virtual LocalMongoServerOptions LocalOptions => new();

    public async Task InitializeAsync()
    {
        if (ExternalServer is { } uri)
        {
            ConnectionString = uri;
        }
        else
        {
            _local = await LocalMongoServer.StartAsync(LocalOptions);
            ConnectionString = _local.ConnectionString;
        }

        using var client = new MongoClient(ConnectionString);
        FailPointsMissingReason = await FailPoints.MissingReasonAsync(client);
    }

    public async Task DisposeAsync()
    {
        if (_local is not null)
        {
            await _local.DisposeAsync();
        }
    }
}

/// <summary>
/// LocalMongo without fail points, as a mongod started without <c>enableTestCommands</c> (or Cosmos DB): proves on every
/// run that the contract suite passes there, with only its fault tests skipped.
/// </summary>
public sealed class StoreServerWithoutFailPointsFixture : StoreServerFixture
{
    protected override string? ExternalServer => null;

    protected override LocalMongoServerOptions LocalOptions => new() { FailPoints = false };
}
