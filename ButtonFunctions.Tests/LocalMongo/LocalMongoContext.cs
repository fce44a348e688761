using System.Collections.Concurrent;
using LocalMongo;
using MongoDB.Bson;
using MongoDB.Driver;
using MongoDB.Bson.Serialization;
using MongoDB.Driver.Core.Events;

namespace ButtonFunctions.Tests.LocalMongo;

/// <summary>A LocalMongo on a free port plus a real MongoDB.Driver client that records the commands it sends.</summary>
internal sealed class LocalMongoContext : IAsyncDisposable
{
    private LocalMongoContext(LocalMongoServer server, MongoClient client, ConcurrentQueue<SentCommand> started)
    {
        Server = server;
        Client = client;
        Started = started;
        Database = client.GetDatabase("buttons");
    }

    public LocalMongoServer Server { get; }

    public MongoClient Client { get; }

    public IMongoDatabase Database { get; }

    /// <summary>Every command the driver started (handshakes excluded), in order.</summary>
    public ConcurrentQueue<SentCommand> Started { get; }

    public static async Task<LocalMongoContext> StartAsync(TimeProvider? time = null)
    {
        var server = await LocalMongoServer.StartAsync(0, null, time ?? TimeProvider.System);
        var started = new ConcurrentQueue<SentCommand>();
        return new LocalMongoContext(server, CreateClient(server, started), started);
    }

    public static MongoClient CreateClient(LocalMongoServer server, ConcurrentQueue<SentCommand>? started = null, string? appName = null)
    {
        var settings = MongoClientSettings.FromConnectionString(server.ConnectionString);
        settings.ServerSelectionTimeout = TimeSpan.FromSeconds(3);
        settings.ConnectTimeout = TimeSpan.FromSeconds(2);
        settings.ApplicationName = appName;
        if (started is not null)
        {
            settings.ClusterConfigurator = cb => cb.Subscribe<CommandStartedEvent>(e =>
                started.Enqueue(new SentCommand(e.CommandName, BsonSerializer.Deserialize<BsonDocument>(e.Command.ToBson()))));
        }

        return new MongoClient(settings);
    }

    public IMongoCollection<BsonDocument> Collection(string name) => Database.GetCollection<BsonDocument>(name);

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
    }
}

/// <summary>A command as the driver sent it (copied: the event's document is only valid during the event).</summary>
internal sealed record SentCommand(string CommandName, BsonDocument Command);
