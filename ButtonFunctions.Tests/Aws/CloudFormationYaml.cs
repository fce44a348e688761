using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace ButtonFunctions.Tests.Aws;

/// <summary>
/// Loads a CloudFormation YAML template into JSON nodes, mapping the short-form tags to their long
/// forms (!Ref x → {"Ref": x}, !GetAtt a.b → {"Fn::GetAtt": [a, b]}, !Sub/!If/!Join/... → {"Fn::...": ...}).
/// Scalars stay strings: the tests compare text.
/// </summary>
internal static class CloudFormationYaml
{
    public static JsonObject Load(string path)
    {
        var stream = new YamlStream();
        using var reader = new StringReader(File.ReadAllText(path));
        stream.Load(reader);
        return (JsonObject)Convert(stream.Documents[0].RootNode)!;
    }

    private static JsonNode? Convert(YamlNode node)
    {
        JsonNode? value = node switch
        {
            YamlScalarNode s => JsonValue.Create(s.Value),
            YamlSequenceNode seq => new JsonArray([.. seq.Children.Select(Convert)]),
            YamlMappingNode map => new JsonObject(map.Children.Select(kv => KeyValuePair.Create(((YamlScalarNode)kv.Key).Value!, Convert(kv.Value)))),
            _ => throw new NotSupportedException(node.GetType().Name),
        };
        var tag = node.Tag.IsEmpty ? null : node.Tag.Value;
        return tag switch
        {
            null or "tag:yaml.org,2002:str" => value,
            "!Ref" => new JsonObject { ["Ref"] = value },
            "!Condition" => new JsonObject { ["Condition"] = value },
            "!GetAtt" when value is JsonValue v && v.GetValue<string>() is var text => new JsonObject
            {
                ["Fn::GetAtt"] = new JsonArray(text[..text.IndexOf('.', StringComparison.Ordinal)], text[(text.IndexOf('.', StringComparison.Ordinal) + 1)..]),
            },
            _ when tag.StartsWith('!') => new JsonObject { ["Fn::" + tag[1..]] = value },
            _ => value,
        };
    }
}
