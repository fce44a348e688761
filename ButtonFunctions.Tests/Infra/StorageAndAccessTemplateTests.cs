using System.Text.Json;

namespace ButtonFunctions.Tests.Infra;

[Collection(BicepTemplateGroup.Name)]
public sealed class StorageAndAccessTemplateTests(BicepTemplateFixture template)
{
    private const string RoleAssignments = "Microsoft.Authorization/roleAssignments";
    private const string BlobDataOwner = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b";
    private const string QueueDataContributor = "974c5e8b-45b9-4653-ba55-5f855dd0fb88";
    private const string TableDataContributor = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3";
    private const string KeyVaultSecretsUser = "4633458b-17de-408a-b874-0445c86b69e6";
    private const string MonitoringMetricsPublisher = "3913510d-42f4-4e42-8a64-420c390055eb";

    private static (string Scope, string Role, string PrincipalType, string PrincipalId) Describe(JsonElement assignment)
    {
        var id = assignment.Str("id");
        var scope = id[..id.IndexOf("/providers/Microsoft.Authorization/", StringComparison.Ordinal)];
        return (scope, assignment.Str("properties", "roleDefinitionId").Split('/')[^1],
            assignment.Str("properties", "principalType"), assignment.Str("properties", "principalId"));
    }

    [Fact]
    public void Storage_account_refuses_shared_keys_anonymous_blobs_and_old_TLS()
    {
        var snapshot = template.Defaults;
        var storage = snapshot.One("Microsoft.Storage/storageAccounts").At("properties");

        Assert.False(storage.At("allowSharedKeyAccess").GetBoolean());
        Assert.True(storage.At("defaultToOAuthAuthentication").GetBoolean());
        Assert.False(storage.At("allowBlobPublicAccess").GetBoolean());
        Assert.Equal("TLS1_2", storage.Str("minimumTlsVersion"));
        Assert.True(storage.At("supportsHttpsTrafficOnly").GetBoolean());
        Assert.False(storage.At("allowCrossTenantReplication").GetBoolean());
        Assert.Equal("None", snapshot.One("Microsoft.Storage/storageAccounts/blobServices/containers").Str("properties", "publicAccess"));
    }

    [Fact]
    public void Log_Analytics_and_Application_Insights_accept_only_Entra_callers()
    {
        var snapshot = template.Defaults;

        Assert.True(snapshot.One("Microsoft.OperationalInsights/workspaces").At("properties", "features", "disableLocalAuth").GetBoolean());
        Assert.True(snapshot.One("Microsoft.Insights/components").At("properties", "DisableLocalAuth").GetBoolean());
    }

    [Fact]
    public void App_identity_gets_exactly_the_data_roles_it_needs_on_each_resource()
    {
        var snapshot = template.Defaults;
        string Id(string type) => snapshot.One(type).Str("id");
        var identity = snapshot.One("Microsoft.ManagedIdentity/userAssignedIdentities").Str("id");

        var granted = snapshot.OfType(RoleAssignments).Select(Describe).ToList();

        Assert.All(granted, g => Assert.Equal("ServicePrincipal", g.PrincipalType));
        Assert.All(granted, g => Assert.Equal($"[reference('{identity}', '2024-11-30').principalId]", g.PrincipalId));
        var expected = new[]
        {
            (Id("Microsoft.Storage/storageAccounts"), BlobDataOwner),
            (Id("Microsoft.Storage/storageAccounts"), QueueDataContributor),
            (Id("Microsoft.Storage/storageAccounts"), TableDataContributor),
            (Id("Microsoft.KeyVault/vaults"), KeyVaultSecretsUser),
            (Id("Microsoft.Insights/components"), MonitoringMetricsPublisher),
        };
        Assert.Equal(expected.Order(), granted.Select(g => (g.Scope, g.Role)).Order());
    }

    [Fact]
    public void Deploying_user_gets_blob_and_secret_read_access_only_when_a_principal_id_is_given()
    {
        const string user = BicepTemplateFixture.UserPrincipalId;
        var withUser = template.Customised.OfType(RoleAssignments).Select(Describe).ToList();

        Assert.DoesNotContain(template.Defaults.OfType(RoleAssignments).Select(Describe), g => g.PrincipalType == "User");
        var userRoles = withUser.Where(g => g.PrincipalId == user).ToList();
        Assert.All(userRoles, g => Assert.Equal("User", g.PrincipalType));
        Assert.Equal([KeyVaultSecretsUser, BlobDataOwner], userRoles.Select(g => g.Role).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Role_assignment_names_are_stable_across_deployments_and_distinct()
    {
        static List<string> AppRoleNames(DeploymentSnapshot s) =>
            [.. s.OfType(RoleAssignments).Where(r => r.Str("properties", "principalType") == "ServicePrincipal").Select(r => r.Str("name"))];

        var first = AppRoleNames(template.Defaults);
        var again = AppRoleNames(template.Customised);

        Assert.All(first, name => Assert.True(Guid.TryParse(name, out _), name));
        Assert.Equal(first.Count, first.Distinct().Count());
        Assert.Equal(first, again);
    }
}
