using System.Text.Json;
using System.Text.RegularExpressions;

namespace ButtonFunctions.Tests.Infra;

[Collection(BicepTemplateGroup.Name)]
public sealed partial class TemplateConventionsTests(BicepTemplateFixture template)
{
    [Fact]
    public void Template_builds_and_lints_with_at_most_date_dependent_api_version_warnings()
    {
        Assert.True(template.Build.ExitCode == 0, $"bicep build: {template.Build}");
        Assert.True(template.Lint.ExitCode == 0, $"bicep lint: {template.Lint}");
        var ci = BicepDiagnostics.Judge(template.RepositoryRoot, string.Join('\n',
            template.Build.StandardOutput, template.Build.StandardError, template.Lint.StandardOutput, template.Lint.StandardError));
        Assert.True(ci.Passed, $"CI would fail on: {ci.Refused}");
    }

    [Fact]
    public void Every_linter_rule_is_an_error_except_the_date_dependent_api_version_rule()
    {
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(template.InfraDirectory, "bicepconfig.json")));
        var rules = config.RootElement.At("analyzers", "core", "rules").EnumerateObject().ToDictionary(r => r.Name, r => r.Value.Str("level"));

        // use-recent-api-versions compares API versions with today's date: it may warn without a code change.
        Assert.Equal("warning", rules["use-recent-api-versions"]);
        Assert.All(rules.Where(r => r.Key != "use-recent-api-versions"), r => Assert.True(r.Value == "error", $"{r.Key} is {r.Value}"));
        foreach (var rule in new[]
                 {
                     "outputs-should-not-contain-secrets", "secure-parameter-default", "use-secure-value-for-secure-inputs",
                     "no-hardcoded-env-urls", "no-hardcoded-location", "no-unused-params", "no-unused-vars",
                     "use-resource-symbol-reference", "what-if-short-circuiting",
                 })
        {
            Assert.Equal("error", rules[rule]);
        }
    }

    [Fact]
    public void No_bicep_file_pulls_a_module_from_a_registry()
    {
        var files = Directory.GetFiles(template.InfraDirectory, "*.bicep", SearchOption.AllDirectories);

        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            var text = File.ReadAllText(file);
            Assert.DoesNotContain("br/public:", text, StringComparison.Ordinal);
            Assert.DoesNotContain("'br:", text, StringComparison.Ordinal);
            foreach (Match module in ModuleReference().Matches(text))
            {
                // Registry (br:, br/alias:) and template-spec (ts:) references would need network access to restore.
                var target = module.Groups["path"].Value;
                Assert.DoesNotMatch("^(br|ts)[:/]", target);
                Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(file)!, target)), $"{file}: module '{target}' is not a local file");
            }
        }
    }

    [Fact]
    public void Every_resource_with_a_location_carries_the_azd_environment_tag()
    {
        var located = template.Defaults.Resources.Where(r => r.Has("location")).ToList();

        Assert.True(located.Count >= 9, $"only {located.Count} located resources");
        Assert.All(located, r => Assert.True(
            r.Has("tags") && r.At("tags").Has("azd-env-name") && r.Str("tags", "azd-env-name") == "ci",
            $"{r.Str("type")} {r.Str("name")} lacks tag azd-env-name=ci"));
    }

    [Fact]
    public void Resource_names_come_from_the_environment_and_can_be_overridden()
    {
        // One entry per type; a type with several resources (the alert rules) lists their names.
        static Dictionary<string, string> Names(DeploymentSnapshot s) =>
            s.Resources.Where(r => r.Has("location")).GroupBy(r => r.Str("type"))
                .ToDictionary(g => g.Key, g => string.Join(",", g.Select(r => r.Str("name")).Order(StringComparer.Ordinal)));

        var ci = Names(template.Defaults);
        var other = Names(template.Snapshot(("environmentName", "prod")));
        var overridden = Names(template.Snapshot(("functionAppName", "func-buttons"), ("keyVaultName", "kv-buttons")));

        Assert.Equal("rg-ci", ci["Microsoft.Resources/resourceGroups"]);
        Assert.Equal("rg-prod", other["Microsoft.Resources/resourceGroups"]);
        Assert.All(ci, pair => Assert.NotEqual(pair.Value, other[pair.Key]));
        Assert.StartsWith("func-api-", ci["Microsoft.Web/sites"], StringComparison.Ordinal);
        Assert.StartsWith("st", ci["Microsoft.Storage/storageAccounts"], StringComparison.Ordinal);
        Assert.Matches("^[a-z0-9]{3,24}$", ci["Microsoft.Storage/storageAccounts"]);
        Assert.InRange(ci["Microsoft.KeyVault/vaults"].Length, 3, 24);
        Assert.Equal("func-buttons", overridden["Microsoft.Web/sites"]);
        Assert.Equal("kv-buttons", overridden["Microsoft.KeyVault/vaults"]);
    }

    [Fact]
    public void Outputs_give_azd_and_the_AWS_side_what_they_need()
    {
        var snapshot = template.Defaults;
        var app = snapshot.One("Microsoft.Web/sites");

        Assert.Equal(app.Str("name"), snapshot.Output("AZURE_FUNCTION_NAME"));
        Assert.Equal(app.Str("name"), snapshot.Output("SERVICE_API_NAME"));
        Assert.Equal("rg-ci", snapshot.Output("AZURE_RESOURCE_GROUP"));
        Assert.Equal("westeurope", snapshot.Output("AZURE_LOCATION"));
        Assert.Equal(DeploymentSnapshot.TenantId, snapshot.Output("AZURE_TENANT_ID"));
        Assert.Equal(snapshot.One("Microsoft.KeyVault/vaults").Str("name"), snapshot.Output("AZURE_KEY_VAULT_NAME"));
        Assert.Equal(snapshot.One("Microsoft.DocumentDB/databaseAccounts").Str("name"), snapshot.Output("AZURE_COSMOS_ACCOUNT_NAME"));
        var hostName = $"reference('{app.Str("id")}', '{app.Str("apiVersion")}').defaultHostName";
        Assert.Equal($"[format('https://{{0}}', {hostName})]", snapshot.Output("AZURE_FUNCTION_URL"));
        Assert.Equal($"[format('{{0}}/api/clicks', format('https://{{0}}', {hostName}))]", snapshot.Output("INGEST_URL"));
        Assert.All(snapshot.Outputs.EnumerateObject(), o => Assert.Matches("^[A-Z][A-Z0-9_]*$", o.Name));
    }

    [Fact]
    public void Parameters_file_feeds_every_required_parameter_from_the_azd_environment()
    {
        using var file = JsonDocument.Parse(File.ReadAllText(Path.Combine(template.InfraDirectory, "main.parameters.json")));
        var supplied = file.RootElement.At("parameters").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Str("value"));
        var declared = template.Template.At("parameters").EnumerateObject().ToList();

        var required = declared.Where(p => !p.Value.TryGetProperty("defaultValue", out _)).Select(p => p.Name).ToList();
        Assert.Equal(["auth0Audience", "auth0Domain", "environmentName", "location"], required.Order(StringComparer.Ordinal));
        Assert.All(required, name => Assert.True(supplied.ContainsKey(name), $"main.parameters.json lacks {name}"));
        Assert.All(supplied.Keys, name => Assert.Contains(name, declared.Select(p => p.Name)));
        Assert.All(supplied.Values, value => Assert.Matches(@"^\$\{[A-Z][A-Z0-9_]*(=[^}]*)?\}$", value));
        Assert.Equal("${AZURE_ENV_NAME}", supplied["environmentName"]);
        Assert.Equal("${AZURE_LOCATION}", supplied["location"]);
        Assert.Equal("${AUTH0_DOMAIN}", supplied["auth0Domain"]);
        Assert.Equal("${AUTH0_AUDIENCE}", supplied["auth0Audience"]);
    }

    [GeneratedRegex(@"^\s*module\s+\w+\s+'(?<path>[^']+)'", RegexOptions.Multiline)]
    private static partial Regex ModuleReference();
}
