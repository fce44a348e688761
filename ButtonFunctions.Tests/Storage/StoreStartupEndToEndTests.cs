using System.Net;
using System.Text;
using System.Text.Json;
using ButtonFunctions.Storage;
using ButtonFunctions.Tests.LocalHost;
using ButtonFunctions.Tests.Support;
using LocalMongo;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using MongoDB.Bson;
using MongoDB.Driver;

namespace ButtonFunctions.Tests.Storage;

/// <summary>
/// The store's start-up faults as an operator meets them, through the HTTP surface of the real app behind LocalHost:
/// what <c>GET /api/health?ready</c> says, what a POST answers, what is logged.
/// </summary>
[Trait("Category", "LocalHost")]
public sealed class StoreStartupEndToEndTests
{
    private static StringContent Click(string device) => new(
        $"{{\"deviceId\":\"{device}\",\"clickType\":\"single\",\"timestamp\":\"{DateTimeOffset.UtcNow.AddMinutes(-1):yyyy-MM-dd'T'HH:mm:ss'Z'}\"}}",
        Encoding.UTF8, "application/json");

    private static async Task<JsonElement> ReadyAsync(HttpClient client, HttpStatusCode expected)
    {
        using var response = await client.GetAsync(new Uri("api/health?ready", UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"?ready answered {(int)response.StatusCode}: {text}");
        using var body = JsonDocument.Parse(text);
        return body.RootElement.Clone();
    }

    /// <summary>The first index the store creates, learnt from what it does on a scratch database of the same server.</summary>
    private static async Task<BsonDocument> FirstStoreIndexAsync(IMongoDatabase database)
    {
        var options = new MongoOptions { ConnectionString = "mongodb://unused", Database = database.DatabaseNamespace.DatabaseName + "_scratch" };
        var store = new ClickStore(database.Client, Options.Create(options), new FakeTimeProvider(), NullLogger<ClickStore>.Instance);
        await store.EnsureIndexesAsync(default);
        var indexes = await (await database.Client.GetDatabase(options.Database).GetCollection<BsonDocument>(options.Collection).Indexes.ListAsync()).ToListAsync();
        return indexes.First(i => i["name"].AsString != "_id_");
    }

    [Fact]
    public async Task A_conflicting_index_makes_ready_say_why_once_while_clicks_are_still_stored()
    {
        await using var app = await AppUnderTest.StartAsync(prepare: async database =>
        {
            var name = (await FirstStoreIndexAsync(database))["name"].AsString;
            await database.GetCollection<BsonDocument>("clicks").Indexes.CreateOneAsync(
                new CreateIndexModel<BsonDocument>(new BsonDocument("declaredElsewhere", 1), new CreateIndexOptions { Name = name }));
        });
        using var client = app.CreateClient();

        await Eventually.TrueAsync(() => app.Logs.Entries.Any(e => e.Message.Contains("Click indexes cannot be created", StringComparison.Ordinal)));
        var ready = await ReadyAsync(client, HttpStatusCode.ServiceUnavailable);
        using var stored = await client.PostAsync(new Uri("api/clicks", UriKind.Relative), Click("startup-conflict-1"));

        Assert.Equal("NotReady", ready.GetProperty("status").GetString());
        var setup = ready.GetProperty("checks").GetProperty("storeSetup");
        Assert.Equal("Unhealthy", setup.GetProperty("status").GetString());
        Assert.Contains("IndexKeySpecsConflict (86)", setup.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Equal("Healthy", ready.GetProperty("checks").GetProperty("store").GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.Created, stored.StatusCode);
        // One line from the start-up (the health check service also logs each unhealthy ?ready at Error).
        Assert.Single(app.Logs.Entries, e => e.Level >= LogLevel.Error && e.Category == typeof(ClickStoreInitializer).FullName);
        Assert.DoesNotContain(app.Logs.Entries, e => e.Message.Contains("Click store start-up check failed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_server_older_than_MongoDB_4_4_is_named_in_one_log_line_ready_says_so_and_a_post_is_a_store_error()
    {
        await using var app = await AppUnderTest.StartAsync(new LocalMongoServerOptions { MaxWireVersion = 8 });
        using var client = app.CreateClient();

        await Eventually.TrueAsync(() => app.Logs.Entries.Any(e => e.Message.Contains("runs MongoDB 4.2 (wire version 8)", StringComparison.Ordinal)));
        var ready = await ReadyAsync(client, HttpStatusCode.ServiceUnavailable);
        using var post = await client.PostAsync(new Uri("api/clicks", UriKind.Relative), Click("startup-old-1"));
        var problem = await post.Content.ReadAsStringAsync();

        Assert.Contains("older than MongoDB 4.4", ready.GetProperty("checks").GetProperty("storeSetup").GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Contains("older than MongoDB 4.4", ready.GetProperty("checks").GetProperty("store").GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("4.2", ready.GetRawText(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.InternalServerError, post.StatusCode);
        Assert.Equal("application/problem+json", post.Content.Headers.ContentType?.MediaType);
        Assert.Contains("store-error", problem, StringComparison.Ordinal);
        Assert.Single(app.Logs.Entries, e => e.Message.Contains("runs MongoDB 4.2", StringComparison.Ordinal));
    }

    [Fact]
    public async Task With_index_creation_off_the_app_creates_no_index_and_is_ready()
    {
        await using var app = await AppUnderTest.StartAsync(settings: new Dictionary<string, string> { ["Mongo__CreateIndexes"] = "false" });
        using var client = app.CreateClient();

        var ready = await ReadyAsync(client, HttpStatusCode.OK);
        using var stored = await client.PostAsync(new Uri("api/clicks", UriKind.Relative), Click("startup-noindex-1"));
        await Eventually.TrueAsync(() => app.Logs.Entries.Any(e => e.Message.Contains("Index creation is off", StringComparison.Ordinal)));

        Assert.Equal("Healthy", ready.GetProperty("checks").GetProperty("storeSetup").GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.Created, stored.StatusCode);
        var indexes = await (await app.Database.GetCollection<BsonDocument>("clicks").Indexes.ListAsync()).ToListAsync();
        Assert.Equal(["_id_"], indexes.Select(i => i["name"].AsString));
    }
}
