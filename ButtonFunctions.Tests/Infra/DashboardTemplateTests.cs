namespace ButtonFunctions.Tests.Infra;

/// <summary>The dashboard's one deployment setting: the Auth0 SPA client id, from the azd environment.</summary>
public sealed class DashboardTemplateTests(BicepTemplateFixture template) : IClassFixture<BicepTemplateFixture>
{
    private static string ClientIdSetting(DeploymentSnapshot snapshot) =>
        snapshot.One("Microsoft.Web/sites/config", "appsettings").At("properties").Str("Dashboard__ClientId");

    [Fact]
    public void The_spa_client_id_reaches_the_app_settings_and_defaults_to_empty()
    {
        Assert.Equal("spa-client-123", ClientIdSetting(template.Snapshot(("dashboardClientId", "spa-client-123"))));
        Assert.Equal(string.Empty, ClientIdSetting(template.Defaults));
    }

    [Fact]
    public void The_parameters_file_reads_it_from_DASHBOARD_CLIENT_ID_and_the_dashboard_url_is_an_output()
    {
        using var file = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(template.InfraDirectory, "main.parameters.json")));
        Assert.Equal("${DASHBOARD_CLIENT_ID=}", file.RootElement.At("parameters", "dashboardClientId").Str("value"));
        var defaults = template.Defaults;
        var functionUrl = defaults.Output("AZURE_FUNCTION_URL")[1..^1]; // the expression inside [...]
        Assert.Equal($"[format('{{0}}/dashboard/', {functionUrl})]", defaults.Output("DASHBOARD_URL"));
    }
}
