using System.Text.Json;
using ButtonFunctions.Clicks;
using ButtonFunctions.Destinations;
using ButtonFunctions.Storage;
using LocalMongo;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MongoDB.Bson;
using MongoDB.Driver;

namespace ButtonFunctions.Tests.Infra;

/// <summary>What the template decides for the store: backup redundancy, shard keys the app's documents carry, index creation.</summary>
[Collection(BicepTemplateGroup.Name)]
public sealed class CosmosStoreTemplateTests(BicepTemplateFixture template)
{
    private const string Accounts = "Microsoft.DocumentDB/databaseAccounts";
    private const string Collections = "Microsoft.DocumentDB/databaseAccounts/mongodbDatabases/collections";

    private static string Redundancy(DeploymentSnapshot snapshot) =>
        snapshot.One(Accounts).Str("properties", "backupPolicy", "periodicModeProperties", "backupStorageRedundancy");

    private static string AppSetting(DeploymentSnapshot snapshot, string name) =>
        snapshot.One("Microsoft.Web/sites/config", "appsettings").At("properties").Str(name);

    private IEnumerable<string?> AllowedValues(string parameter, string? module = null)
    {
        var parameters = module is null
            ? template.Template.At("parameters")
            : ArmTemplate.AllResources(template.Template)
                .Single(r => r.Resource.Str("type") == "Microsoft.Resources/deployments" && r.Resource.Str("name") == module)
                .Resource.At("properties", "template", "parameters");
        return parameters.At(parameter, "allowedValues").EnumerateArray().Select(v => v.GetString());
    }

    [Fact]
    public void Backup_storage_redundancy_is_Local_by_default_so_regions_without_a_pair_deploy()
    {
        Assert.Equal("Local", Redundancy(template.Defaults));
        Assert.Equal("Periodic", template.Defaults.One(Accounts).Str("properties", "backupPolicy", "type"));
    }

    [Theory]
    [InlineData("Geo")]
    [InlineData("Zone")]
    public void Backup_storage_redundancy_follows_the_parameter(string redundancy)
    {
        Assert.Equal(redundancy, Redundancy(template.Snapshot(("cosmosBackupStorageRedundancy", redundancy))));
    }

    [Fact]
    public void Backup_storage_redundancy_allows_exactly_the_values_the_resource_provider_defines()
    {
        // Microsoft.DocumentDB BackupStorageRedundancy: Geo, Local, Zone (sources in the README, "Deploy to Azure").
        string[] provider = ["Geo", "Local", "Zone"];

        Assert.Equal(provider, AllowedValues("cosmosBackupStorageRedundancy").Order(StringComparer.Ordinal));
        Assert.Equal(provider, AllowedValues("backupStorageRedundancy", module: "cosmos").Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Backup_storage_redundancy_can_be_set_from_the_azd_environment()
    {
        using var file = JsonDocument.Parse(File.ReadAllText(Path.Combine(template.InfraDirectory, "main.parameters.json")));

        Assert.Equal("${COSMOS_BACKUP_REDUNDANCY=Local}", file.RootElement.At("parameters", "cosmosBackupStorageRedundancy").Str("value"));
    }

    [Fact]
    public void Destinations_collection_is_sharded_on_the_arn()
    {
        var shardKey = template.Defaults.One(Collections, "destinations").At("properties", "resource", "shardKey");

        var key = Assert.Single(shardKey.EnumerateObject());
        Assert.Equal(("arn", "Hash"), (key.Name, key.Value.GetString()));
    }

    /// <summary>A document without its collection's shard key cannot be placed in a shard: every write must carry it.</summary>
    [Fact]
    public async Task Every_document_the_app_writes_carries_its_collection_s_shard_key()
    {
        var destinationsKey = Assert.Single(template.Defaults.One(Collections, "destinations").At("properties", "resource", "shardKey").EnumerateObject()).Name;
        var clicksKey = Assert.Single(template.Defaults.One(Collections, "clicks").At("properties", "resource", "shardKey").EnumerateObject()).Name;
        await using var mongo = await LocalMongoServer.StartAsync();
        var options = new MongoOptions { ConnectionString = mongo.ConnectionString, Database = "shard_" + Guid.NewGuid().ToString("N")[..8] };
        using var client = new MongoClient(mongo.ConnectionString);
        var destinations = new DestinationStore(client, Options.Create(options), NullLogger<DestinationStore>.Instance);
        var at = new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);
        const string Arn = "arn:aws:iot:eu-west-1:123456789012:ruledestination/http/5a0b1f0e-7c3d-4a2b-9f10-2d3c4b5a6e7f";

        // Every kind of attempt: with and without the optional fields.
        await destinations.RecordAsync(new DestinationConfirmationAttempt(Arn, "iot.eu-west-1.amazonaws.com", DestinationConfirmer.Confirmed, 200, at), default);
        await destinations.RecordAsync(new DestinationConfirmationAttempt(Arn, null, DestinationConfirmer.NotFollowed, null, at), default);
        var stored = await client.GetDatabase(options.Database).GetCollection<BsonDocument>(options.DestinationsCollection)
            .Find(FilterDefinition<BsonDocument>.Empty).ToListAsync();

        Assert.Equal(2, stored.Count);
        Assert.All(stored, d => Assert.False(string.IsNullOrEmpty(d.GetValue(destinationsKey, BsonNull.Value).AsString), $"{d} lacks {destinationsKey}"));
        var click = ClickDocument.ToBson(new ClickEvent
        {
            Id = "c-1", DeviceId = "G030JF055364XVRB", ClickType = ClickTypes.SingleClick, OccurredAt = at, ReceivedAt = at, Source = ClickSources.IotButton,
        });
        Assert.Equal("G030JF055364XVRB", click[clicksKey].AsString);
    }

    [Fact]
    public void The_app_creates_indexes_unless_metadata_writes_are_ARM_only()
    {
        var open = template.Defaults;
        var locked = template.Snapshot(("cosmosDisableKeyBasedMetadataWriteAccess", true));

        Assert.False(open.One(Accounts).At("properties", "disableKeyBasedMetadataWriteAccess").GetBoolean());
        Assert.Equal("true", AppSetting(open, "Mongo__CreateIndexes"));
        Assert.True(locked.One(Accounts).At("properties", "disableKeyBasedMetadataWriteAccess").GetBoolean());
        Assert.Equal("false", AppSetting(locked, "Mongo__CreateIndexes"));
    }
}
