using YamlDotNet.RepresentationModel;

namespace ButtonFunctions.Tests.Infra;

[Collection(BicepTemplateGroup.Name)]
public sealed class AzureYamlTests(BicepTemplateFixture template)
{
    private YamlMappingNode Load()
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(Path.Combine(template.RepositoryRoot, "azure.yaml"));
        yaml.Load(reader);
        return (YamlMappingNode)yaml.Documents.Single().RootNode;
    }

    private static string Scalar(YamlMappingNode node, string key) =>
        Assert.IsType<YamlScalarNode>(node.Children[new YamlScalarNode(key)]).Value!;

    [Fact]
    public void Azure_yaml_deploys_the_function_project_as_the_api_service_of_the_Bicep_template()
    {
        var root = Load();
        var services = Assert.IsType<YamlMappingNode>(root.Children[new YamlScalarNode("services")]);
        var (name, node) = Assert.Single(services.Children);
        var api = Assert.IsType<YamlMappingNode>(node);

        Assert.False(string.IsNullOrWhiteSpace(Scalar(root, "name")));
        Assert.Equal("api", ((YamlScalarNode)name).Value);
        Assert.Equal("./ButtonFunctions", Scalar(api, "project"));
        Assert.Equal("dotnet", Scalar(api, "language"));
        Assert.Equal("function", Scalar(api, "host"));
        Assert.True(File.Exists(Path.Combine(template.RepositoryRoot, Scalar(api, "project"), "ButtonFunctions.csproj")));

        var infra = Assert.IsType<YamlMappingNode>(root.Children[new YamlScalarNode("infra")]);
        Assert.Equal("bicep", Scalar(infra, "provider"));
        Assert.True(File.Exists(Path.Combine(template.RepositoryRoot, Scalar(infra, "path"), Scalar(infra, "module") + ".bicep")));

        // azd finds the app to deploy to by this tag.
        Assert.Equal("api", template.Defaults.One("Microsoft.Web/sites").Str("tags", "azd-service-name"));
    }
}
