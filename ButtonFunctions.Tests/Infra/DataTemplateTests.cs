using System.Text.Json;

namespace ButtonFunctions.Tests.Infra;

[Collection(BicepTemplateGroup.Name)]
public sealed class DataTemplateTests(BicepTemplateFixture template)
{
    private const string Accounts = "Microsoft.DocumentDB/databaseAccounts";
    private const string Databases = "Microsoft.DocumentDB/databaseAccounts/mongodbDatabases";
    private const string Collections = "Microsoft.DocumentDB/databaseAccounts/mongodbDatabases/collections";
    private const string Vaults = "Microsoft.KeyVault/vaults";

    private static IEnumerable<string> Capabilities(JsonElement account) =>
        account.At("properties", "capabilities").EnumerateArray().Select(c => c.Str("name"));

    private static IEnumerable<string> IndexKeys(JsonElement collection) =>
        collection.At("properties", "resource", "indexes").EnumerateArray()
            .Select(i => string.Join(",", i.At("key", "keys").EnumerateArray().Select(k => k.GetString())));

    [Fact]
    public void Cosmos_account_speaks_MongoDB_7_0_over_TLS_1_2_only()
    {
        var account = template.Defaults.One(Accounts);

        Assert.Equal("MongoDB", account.Str("kind"));
        Assert.Equal("7.0", account.Str("properties", "apiProperties", "serverVersion"));
        Assert.Contains("EnableMongo", Capabilities(account));
        Assert.Equal("Tls12", account.Str("properties", "minimalTlsVersion"));
        Assert.Equal("Periodic", account.Str("properties", "backupPolicy", "type"));
        // The MongoDB API has no Entra data-plane auth: keys must stay usable (they live only in Key Vault).
        Assert.False(account.At("properties", "disableLocalAuth").GetBoolean());
    }

    [Fact]
    public void Cosmos_is_serverless_by_default_and_provisioned_autoscale_on_request()
    {
        var serverless = template.Defaults;
        var autoscale = template.Customised; // cosmosThroughputMode autoscale, 4000 RU/s

        Assert.Contains("EnableServerless", Capabilities(serverless.One(Accounts)));
        Assert.False(serverless.One(Databases).At("properties", "options").Has("autoscaleSettings"));
        Assert.DoesNotContain("EnableServerless", Capabilities(autoscale.One(Accounts)));
        Assert.Equal(4000, autoscale.One(Databases).At("properties", "options", "autoscaleSettings", "maxThroughput").GetInt32());
    }

    [Fact]
    public void Clicks_collection_is_sharded_on_deviceId_with_the_store_indexes()
    {
        var clicks = template.Defaults.One(Collections, "clicks");

        Assert.Equal("Hash", clicks.Str("properties", "resource", "shardKey", "deviceId"));
        Assert.Single(clicks.At("properties", "resource", "shardKey").EnumerateObject());
        // Exactly the app's indexes (ButtonFunctions/Storage/ClickIndexes.cs), all-ascending, plus _id.
        var appIndexes = ButtonFunctions.Storage.ClickIndexes.All.Select(i => string.Join(",", i.Fields));
        Assert.Equal(appIndexes.Append("_id").Order(StringComparer.Ordinal), IndexKeys(clicks).Order(StringComparer.Ordinal));
        Assert.All(ButtonFunctions.Storage.ClickIndexes.All, i => Assert.All(i.Key.Elements, e => Assert.Equal(1, e.Value.AsInt32)));
        Assert.Equal(["_id", "deviceId,occurredAt,_id", "occurredAt,_id"], IndexKeys(clicks).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Click_retention_becomes_a_ttl_index_on_ts_and_zero_keeps_clicks_forever()
    {
        var forever = template.Defaults.One(Collections, "clicks");
        var month = template.Customised.One(Collections, "clicks"); // clickRetentionDays 30

        Assert.DoesNotContain("_ts", IndexKeys(forever));
        var ttl = Assert.Single(month.At("properties", "resource", "indexes").EnumerateArray(), i => i.At("key", "keys")[0].GetString() == "_ts");
        Assert.Equal(30 * 86400, ttl.At("options", "expireAfterSeconds").GetInt32());
    }

    [Fact]
    public void Both_collections_live_in_the_configured_database()
    {
        var snapshot = template.Customised; // database clicksdb, destinations collection aws-destinations

        Assert.EndsWith("/clicksdb", snapshot.One(Databases).Str("name"), StringComparison.Ordinal);
        Assert.EndsWith("/clicksdb/clicks", snapshot.One(Collections, "clicks").Str("name"), StringComparison.Ordinal);
        Assert.EndsWith("/clicksdb/aws-destinations", snapshot.One(Collections, "aws-destinations").Str("name"), StringComparison.Ordinal);
    }

    [Fact]
    public void Key_vault_uses_RBAC_and_soft_delete_and_purge_protection_on_request()
    {
        var vault = template.Defaults.One(Vaults);
        var protectedVault = template.Customised.One(Vaults); // keyVaultEnablePurgeProtection true

        Assert.True(vault.At("properties", "enableRbacAuthorization").GetBoolean());
        Assert.True(vault.At("properties", "enableSoftDelete").GetBoolean());
        Assert.Equal(7, vault.At("properties", "softDeleteRetentionInDays").GetInt32());
        Assert.False(vault.At("properties").Has("accessPolicies"));
        Assert.False(vault.At("properties", "enabledForDeployment").GetBoolean());
        Assert.False(vault.At("properties", "enabledForTemplateDeployment").GetBoolean());
        Assert.False(vault.At("properties", "enabledForDiskEncryption").GetBoolean());
        // Key Vault refuses an explicit `false`; off means the property is absent.
        Assert.False(vault.At("properties").Has("enablePurgeProtection"));
        Assert.True(protectedVault.At("properties", "enablePurgeProtection").GetBoolean());
    }

    [Fact]
    public void Mongo_connection_string_is_written_only_into_the_Key_Vault_secret()
    {
        var writers = ArmTemplate.AllResources(template.Template)
            .SelectMany(r => ArmTemplate.OwnStrings(r.Resource).Where(s => s.Value.Contains("listConnectionStrings", StringComparison.OrdinalIgnoreCase))
                .Select(s => (Type: r.Resource.Str("type"), s.Path)))
            .ToList();

        var writer = Assert.Single(writers);
        Assert.Equal("Microsoft.KeyVault/vaults/secrets", writer.Type);
        Assert.Equal("$.properties.value", writer.Path);

        var secret = template.Defaults.One("Microsoft.KeyVault/vaults/secrets");
        Assert.StartsWith($"[listConnectionStrings('{template.Defaults.One(Accounts).Str("id")}'", secret.Str("properties", "value"), StringComparison.Ordinal);
    }

    [Fact]
    public void No_output_at_any_level_carries_a_key_or_connection_string()
    {
        var outputs = ArmTemplate.AllOutputs(template.Template).ToList();

        Assert.True(outputs.Count > 1, "expected the main template and its modules to have outputs");
        foreach (var (module, section) in outputs)
        {
            foreach (var (path, value) in section.Strings())
            {
                // list*() calls return keys; `.ConnectionString` is Application Insights' (carries its ikey).
                Assert.False(
                    value.Contains("listConnectionStrings", StringComparison.OrdinalIgnoreCase)
                    || value.Contains("listKeys", StringComparison.OrdinalIgnoreCase)
                    || value.Contains(").ConnectionString", StringComparison.OrdinalIgnoreCase),
                    $"{module} output {path} = {value}");
            }
        }

        Assert.DoesNotContain(template.Defaults.Outputs.EnumerateObject(), o => o.Name.Contains("CONNECTION_STRING", StringComparison.Ordinal));
    }

    [Fact]
    public void No_resource_reads_an_account_key()
    {
        var keyReads = ArmTemplate.AllResources(template.Template)
            .SelectMany(r => ArmTemplate.OwnStrings(r.Resource))
            .Where(s => s.Value.Contains("listKeys(", StringComparison.OrdinalIgnoreCase)
                || s.Value.Contains("AccountKey=", StringComparison.OrdinalIgnoreCase));

        Assert.Empty(keyReads);
    }
}
