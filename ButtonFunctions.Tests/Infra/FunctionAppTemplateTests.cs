using System.Text.Json;

namespace ButtonFunctions.Tests.Infra;

[Collection(BicepTemplateGroup.Name)]
public sealed class FunctionAppTemplateTests(BicepTemplateFixture template)
{
    private const string Sites = "Microsoft.Web/sites";
    private const string Identities = "Microsoft.ManagedIdentity/userAssignedIdentities";

    private static JsonElement App(DeploymentSnapshot snapshot) => snapshot.One(Sites);

    private static JsonElement Settings(DeploymentSnapshot snapshot) =>
        snapshot.One("Microsoft.Web/sites/config", "appsettings").At("properties");

    private static string IdentityId(DeploymentSnapshot snapshot) => snapshot.One(Identities).Str("id");

    [Fact]
    public void Function_app_runs_dotnet_isolated_10_on_a_Linux_Flex_Consumption_plan()
    {
        var snapshot = template.Defaults;
        var plan = snapshot.One("Microsoft.Web/serverfarms");
        var app = App(snapshot);

        Assert.Equal("FC1", plan.Str("sku", "name"));
        Assert.Equal("FlexConsumption", plan.Str("sku", "tier"));
        Assert.True(plan.At("properties", "reserved").GetBoolean());
        Assert.Equal("functionapp,linux", app.Str("kind"));
        Assert.Equal(plan.Str("id"), app.Str("properties", "serverFarmId"));
        Assert.Equal("dotnet-isolated", app.Str("properties", "functionAppConfig", "runtime", "name"));
        Assert.Equal("10.0", app.Str("properties", "functionAppConfig", "runtime", "version"));
    }

    [Fact]
    public void Function_app_accepts_only_HTTPS_with_TLS_1_2_and_no_FTP()
    {
        var app = App(template.Defaults);

        Assert.True(app.At("properties", "httpsOnly").GetBoolean());
        Assert.Equal("1.2", app.Str("properties", "siteConfig", "minTlsVersion"));
        Assert.Equal("1.2", app.Str("properties", "siteConfig", "scmMinTlsVersion"));
        Assert.Equal("Disabled", app.Str("properties", "siteConfig", "ftpsState"));
    }

    [Fact]
    public void Basic_auth_publishing_credentials_are_off_for_ftp_and_scm()
    {
        var policies = template.Defaults.OfType("Microsoft.Web/sites/basicPublishingCredentialsPolicies");

        Assert.Equal(["ftp", "scm"], policies.Select(p => p.Str("name").Split('/')[^1]).Order());
        Assert.All(policies, p => Assert.False(p.At("properties", "allow").GetBoolean()));
    }

    [Fact]
    public void Deployment_package_is_read_from_blob_storage_with_the_user_assigned_identity()
    {
        var snapshot = template.Defaults;
        var app = App(snapshot);
        var storage = app.At("properties", "functionAppConfig", "deployment", "storage");
        var container = snapshot.One("Microsoft.Storage/storageAccounts/blobServices/containers").Str("name").Split('/')[^1];

        Assert.Equal("blobContainer", storage.Str("type"));
        Assert.Contains(container, storage.Str("value"), StringComparison.Ordinal);
        Assert.Equal("UserAssignedIdentity", storage.Str("authentication", "type"));
        Assert.Equal(IdentityId(snapshot), storage.Str("authentication", "userAssignedIdentityResourceId"));
        Assert.False(storage.At("authentication").Has("storageAccountConnectionStringName"));
        Assert.Equal("UserAssigned", app.Str("identity", "type"));
        Assert.Equal([IdentityId(snapshot)], app.At("identity", "userAssignedIdentities").EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public void Host_storage_is_reached_with_the_managed_identity_not_a_connection_string()
    {
        var snapshot = template.Defaults;
        var settings = Settings(snapshot);
        var identity = snapshot.One(Identities).Str("id");

        Assert.Equal("managedidentity", settings.Str("AzureWebJobsStorage__credential"));
        Assert.Contains($"'{identity}'", settings.Str("AzureWebJobsStorage__clientId"), StringComparison.Ordinal);
        Assert.Contains(".clientId", settings.Str("AzureWebJobsStorage__clientId"), StringComparison.Ordinal);
        foreach (var service in new[] { "blob", "queue", "table" })
        {
            Assert.EndsWith($".primaryEndpoints.{service}]", settings.Str($"AzureWebJobsStorage__{service}ServiceUri"), StringComparison.Ordinal);
        }

        Assert.False(settings.Has("AzureWebJobsStorage"), "AzureWebJobsStorage would be a key-based connection string");
        Assert.DoesNotContain(settings.Strings(), s => s.Value.Contains("AccountKey", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Telemetry_is_sent_with_the_managed_identity()
    {
        var snapshot = template.Defaults;
        var settings = Settings(snapshot);
        var insights = snapshot.One("Microsoft.Insights/components");

        var authentication = settings.Str("APPLICATIONINSIGHTS_AUTHENTICATION_STRING");
        Assert.StartsWith("[format('ClientId={0};Authorization=AAD', reference('" + IdentityId(snapshot) + "'", authentication, StringComparison.Ordinal);
        Assert.EndsWith(".clientId)]", authentication, StringComparison.Ordinal);
        Assert.Contains($"'{insights.Str("id")}'", settings.Str("APPLICATIONINSIGHTS_CONNECTION_STRING"), StringComparison.Ordinal);
        Assert.True(insights.At("properties", "DisableLocalAuth").GetBoolean());
    }

    [Fact]
    public void Mongo_connection_string_setting_is_a_Key_Vault_reference_resolved_with_the_app_identity()
    {
        var snapshot = template.Defaults;
        var secret = snapshot.One("Microsoft.KeyVault/vaults/secrets");

        var setting = Settings(snapshot).Str("Mongo__ConnectionString");

        Assert.Equal($"[format('@Microsoft.KeyVault(SecretUri={{0}})', reference('{secret.Str("id")}', '{secret.Str("apiVersion")}').secretUri)]", setting);
        Assert.Equal(IdentityId(snapshot), App(snapshot).Str("properties", "keyVaultReferenceIdentity"));
    }

    [Fact]
    public void App_settings_carry_the_Auth0_destination_and_Mongo_values_the_app_reads()
    {
        var settings = Settings(template.Customised);

        Assert.Equal("buttons-test.eu.auth0.com", settings.Str("Auth0__Domain"));
        Assert.Equal("https://buttons.example.com", settings.Str("Auth0__Audience"));
        Assert.Equal(BicepTemplateFixture.DestinationArns, settings.Str("Destinations__AllowedArns"));
        Assert.Equal(BicepTemplateFixture.AllowedClientIds, settings.Str("Auth0__AllowedClientIds"));
        Assert.Equal("clicksdb", settings.Str("Mongo__Database"));
        Assert.Equal("clicks", settings.Str("Mongo__Collection"));
        Assert.Equal("aws-destinations", settings.Str("Mongo__DestinationsCollection"));

        var defaults = Settings(template.Defaults);
        Assert.Equal("buttons", defaults.Str("Mongo__Database"));
        Assert.Equal("destinations", defaults.Str("Mongo__DestinationsCollection"));
        Assert.Equal(string.Empty, defaults.Str("Destinations__AllowedArns"));
        Assert.Equal(string.Empty, defaults.Str("Auth0__AllowedClientIds"));
    }

    [Fact]
    public void Settings_that_Flex_Consumption_manages_itself_are_not_set()
    {
        var settings = Settings(template.Defaults);

        // Flex Consumption rejects these: the runtime comes from functionAppConfig, the package from blob storage.
        Assert.False(settings.Has("FUNCTIONS_WORKER_RUNTIME"));
        Assert.False(settings.Has("FUNCTIONS_EXTENSION_VERSION"));
        Assert.False(settings.Has("WEBSITE_RUN_FROM_PACKAGE"));
        Assert.False(settings.Has("WEBSITE_CONTENTAZUREFILECONNECTIONSTRING"));
    }

    [Fact]
    public void App_scales_to_zero_by_default_and_keeps_instances_warm_on_request()
    {
        var idle = App(template.Defaults).At("properties", "functionAppConfig", "scaleAndConcurrency");
        // alwaysReadyInstanceCount 2, instanceMemoryMB 4096, maximumInstanceCount 40, httpPerInstanceConcurrency 50
        var warm = App(template.Customised).At("properties", "functionAppConfig", "scaleAndConcurrency");

        Assert.Empty(idle.At("alwaysReady").EnumerateArray());
        Assert.Equal(2048, idle.At("instanceMemoryMB").GetInt32());
        Assert.Equal(100, idle.At("maximumInstanceCount").GetInt32());
        Assert.Equal(16, idle.At("triggers", "http", "perInstanceConcurrency").GetInt32());

        var alwaysReady = Assert.Single(warm.At("alwaysReady").EnumerateArray());
        Assert.Equal("http", alwaysReady.Str("name"));
        Assert.Equal(2, alwaysReady.At("instanceCount").GetInt32());
        Assert.Equal(4096, warm.At("instanceMemoryMB").GetInt32());
        Assert.Equal(40, warm.At("maximumInstanceCount").GetInt32());
        Assert.Equal(50, warm.At("triggers", "http", "perInstanceConcurrency").GetInt32());
    }

    [Fact]
    public void Function_app_is_tagged_as_the_azd_api_service()
    {
        var tags = App(template.Defaults).At("tags");

        Assert.Equal("api", tags.Str("azd-service-name"));
        Assert.Equal("ci", tags.Str("azd-env-name"));
    }
}
