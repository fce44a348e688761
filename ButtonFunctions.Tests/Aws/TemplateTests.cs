using System.Globalization;
using System.Text.Json.Nodes;
using ButtonFunctions.Tests.Simulator;

namespace ButtonFunctions.Tests.Aws;

/// <summary>What aws/template.yaml promises: the rule's SQL, header, batching and error action, and least privilege.</summary>
[Trait("Category", "Unit")]
public sealed class TemplateTests
{
    private static readonly JsonObject Template = CloudFormationYaml.Load(RepoFiles.Find("aws/template.yaml"));

    private static JsonObject Resource(string name) => Template["Resources"]![name]!.AsObject();

    private static JsonObject Properties(string name) => Resource(name)["Properties"]!.AsObject();

    private static JsonObject RulePayload => Properties("ClicksTopicRule")["TopicRulePayload"]!.AsObject();

    private static JsonObject HttpAction => RulePayload["Actions"]![0]!["Http"]!.AsObject();

    private static JsonObject Ref(string name) => new JsonObject { ["Ref"] = name };

    private static JsonObject GetAtt(string resource, string attribute) => new JsonObject { ["Fn::GetAtt"] = new JsonArray(resource, attribute) };

    private static JsonObject Sub(string text) => new JsonObject { ["Fn::Sub"] = text };

    private static void Same(JsonNode expected, JsonNode? actual) =>
        Assert.True(JsonNode.DeepEquals(expected, actual), $"expected {expected.ToJsonString()}\nactual   {actual?.ToJsonString()}");

    /// <summary>Renders strings built with Fn::Join, showing Refs and GetAtts as {Ref X} / {X.Attr}.</summary>
    private static string Render(JsonNode? node) => node switch
    {
        JsonValue v => v.GetValue<string>(),
        JsonObject o when o["Ref"] is { } r => $"{{Ref {r.GetValue<string>()}}}",
        JsonObject o when o["Fn::GetAtt"] is JsonArray a => $"{{{a[0]}.{a[1]}}}",
        JsonObject o when o["Fn::Join"] is JsonArray j => string.Join(j[0]!.GetValue<string>(), j[1]!.AsArray().Select(Render)),
        _ => throw new InvalidOperationException($"cannot render {node?.ToJsonString()}"),
    };

    [Fact]
    public void Rule_SQL_adds_topic_timestamp_and_trace_id_to_every_message()
    {
        Same(Sub("SELECT *, topic() AS topic, timestamp() AS receivedAtMs, traceid() AS traceId FROM '${TopicFilter}'"), RulePayload["Sql"]);
        Assert.Equal("2016-03-23", RulePayload["AwsIotSqlVersion"]!.GetValue<string>());
        Assert.Equal("iotbutton/+", Template["Parameters"]!["TopicFilter"]!["Default"]!.GetValue<string>());
    }

    [Fact]
    public void Http_action_posts_to_the_ingest_url_with_the_bearer_token_from_get_secret()
    {
        Same(Ref("IngestUrl"), HttpAction["Url"]);
        Same(Ref("IngestUrl"), HttpAction["ConfirmationUrl"]);
        var header = Assert.Single(HttpAction["Headers"]!.AsArray())!;
        Assert.Equal("Authorization", header["Key"]!.GetValue<string>());
        Assert.Equal(
            "Bearer ${get_secret('{Ref Auth0AccessToken}', 'SecretString', 'access_token', '{TopicRuleRole.Arn}')}",
            Render(header["Value"]));
        Assert.Null(HttpAction["Auth"]);
    }

    [Fact]
    public void The_destination_is_created_for_the_ingest_url_before_the_rule()
    {
        Assert.Equal("AWS::IoT::TopicRuleDestination", Resource("IngestDestination")["Type"]!.GetValue<string>());
        Same(Ref("IngestUrl"), Properties("IngestDestination")["HttpUrlProperties"]!["ConfirmationUrl"]);
        Assert.Equal("IngestDestination", Resource("ClicksTopicRule")["DependsOn"]!.GetValue<string>());
        Assert.Equal("^https://[^\\s]+$", Template["Parameters"]!["IngestUrl"]!["AllowedPattern"]!.GetValue<string>());
    }

    [Fact]
    public void Batching_is_configured_only_when_enabled_within_the_AWS_limits()
    {
        Same(JsonNode.Parse("""{"Fn::Equals":[{"Ref":"EnableBatching"},"true"]}""")!, Template["Conditions"]!["BatchingEnabled"]);
        Same(JsonNode.Parse("""{"Fn::If":["BatchingEnabled","true","false"]}""")!, HttpAction["EnableBatching"]);
        Same(
            JsonNode.Parse("""{"Fn::If":["BatchingEnabled",{"MaxBatchSize":{"Ref":"MaxBatchSize"},"MaxBatchOpenMs":{"Ref":"MaxBatchOpenMs"},"MaxBatchSizeBytes":{"Ref":"MaxBatchSizeBytes"},"BatchAcrossTopics":{"Ref":"BatchAcrossTopics"}},{"Ref":"AWS::NoValue"}]}""")!,
            HttpAction["BatchConfig"]);
        var parameters = Template["Parameters"]!;
        Assert.Equal("false", parameters["EnableBatching"]!["Default"]!.GetValue<string>());
        // BatchConfig's API bounds and defaults (aws/FACTS.md); cfn-lint checks them against its schema too (W1030).
        foreach (var (name, min, max, def) in new[] { ("MaxBatchSize", 2, 10, 10), ("MaxBatchOpenMs", 5, 200, 20), ("MaxBatchSizeBytes", 100, 131072, 5120) })
        {
            Assert.Equal(min, int.Parse(parameters[name]!["MinValue"]!.GetValue<string>(), CultureInfo.InvariantCulture));
            Assert.Equal(max, int.Parse(parameters[name]!["MaxValue"]!.GetValue<string>(), CultureInfo.InvariantCulture));
            Assert.Equal(def, int.Parse(parameters[name]!["Default"]!.GetValue<string>(), CultureInfo.InvariantCulture));
        }

        // A button per topic never batches within one topic: batching mixes topics unless told otherwise.
        Assert.Equal("true", parameters["BatchAcrossTopics"]!["Default"]!.GetValue<string>());
    }

    [Fact]
    public void Failed_clicks_go_to_a_private_encrypted_versioned_bucket()
    {
        var s3 = RulePayload["ErrorAction"]!["S3"]!;
        Same(Ref("ErrorBucket"), s3["BucketName"]);
        Same(GetAtt("TopicRuleRole", "Arn"), s3["RoleArn"]);
        // The key carries traceid(): replay then uses the id the click was stored under (aws/FACTS.md, "Trace ids").
        Assert.Equal("failed/${topic()}/${timestamp()}-${newuuid()}-traceid-${traceid()}.json", s3["Key"]!.GetValue<string>());

        var bucket = Resource("ErrorBucket");
        Assert.Equal("Retain", bucket["DeletionPolicy"]!.GetValue<string>());
        var props = bucket["Properties"]!;
        Assert.Equal("AES256", props["BucketEncryption"]!["ServerSideEncryptionConfiguration"]![0]!["ServerSideEncryptionByDefault"]!["SSEAlgorithm"]!.GetValue<string>());
        var block = props["PublicAccessBlockConfiguration"]!.AsObject();
        Assert.Equal(["BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"], block.Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.All(block, p => Assert.Equal("true", p.Value!.GetValue<string>()));
        Assert.Equal("Enabled", props["VersioningConfiguration"]!["Status"]!.GetValue<string>());

        var deny = Assert.Single(Properties("ErrorBucketPolicy")["PolicyDocument"]!["Statement"]!.AsArray())!;
        Assert.Equal("Deny", deny["Effect"]!.GetValue<string>());
        Assert.Equal("false", deny["Condition"]!["Bool"]!["aws:SecureTransport"]!.GetValue<string>());
    }

    [Fact]
    public void Rule_role_may_only_read_the_token_secret_and_write_failed_clicks()
    {
        var role = Properties("TopicRuleRole");
        var trust = Assert.Single(role["AssumeRolePolicyDocument"]!["Statement"]!.AsArray())!;
        Assert.Equal("iot.amazonaws.com", trust["Principal"]!["Service"]!.GetValue<string>());
        Same(Ref("AWS::AccountId"), trust["Condition"]!["StringEquals"]!["aws:SourceAccount"]);

        var statements = Statements(role);
        Assert.Equal(2, statements.Count);
        var secret = statements.Single(s => Actions(s).Contains("secretsmanager:GetSecretValue"));
        Assert.Equal(["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"], Actions(secret).Order(StringComparer.Ordinal));
        Same(Ref("Auth0AccessToken"), secret["Resource"]);
        var s3 = statements.Single(s => Actions(s).Contains("s3:PutObject"));
        Assert.Equal(["s3:PutObject"], Actions(s3));
        Same(Sub("${ErrorBucket.Arn}/failed/*"), s3["Resource"]);
    }

    [Fact]
    public void Token_refresher_may_only_read_the_credentials_write_the_token_keep_its_destination_enabled_and_log()
    {
        var statements = Statements(Properties("TokenRefresherRole"));
        Assert.Equal(4, statements.Count);
        var destination = statements.Single(s => Actions(s).Any(a => a.StartsWith("iot:", StringComparison.Ordinal)));
        Assert.Equal(["iot:GetTopicRuleDestination", "iot:UpdateTopicRuleDestination"], Actions(destination).Order(StringComparer.Ordinal));
        Same(GetAtt("IngestDestination", "Arn"), destination["Resource"]);
        Same(Ref("Auth0ClientCredentials"), statements.Single(s => Actions(s).SequenceEqual(["secretsmanager:GetSecretValue"]))["Resource"]);
        Same(Ref("Auth0AccessToken"), statements.Single(s => Actions(s).Contains("secretsmanager:PutSecretValue"))["Resource"]);
        var logs = statements.Single(s => Actions(s).All(a => a.StartsWith("logs:", StringComparison.Ordinal)));
        Assert.Equal(["logs:CreateLogStream", "logs:PutLogEvents"], Actions(logs).Order(StringComparer.Ordinal));
        Same(GetAtt("TokenRefresherLogGroup", "Arn"), logs["Resource"]);
    }

    [Fact]
    public void No_allow_statement_uses_wildcard_actions_or_resources()
    {
        var allows = Template["Resources"]!.AsObject()
            .Select(r => r.Value!["Properties"])
            .SelectMany(p => new[] { p?["PolicyDocument"] }.Concat(p?["Policies"]?.AsArray().Select(x => x?["PolicyDocument"]) ?? []))
            .Where(d => d is not null)
            .SelectMany(d => d!["Statement"]!.AsArray())
            .Where(s => s!["Effect"]!.GetValue<string>() == "Allow")
            .ToList();

        Assert.Equal(6, allows.Count);
        Assert.All(allows, s =>
        {
            Assert.All(Actions(s!), a => Assert.DoesNotContain("*", a, StringComparison.Ordinal));
            // Resources are references to this stack's resources (an object prefix like bucket/failed/* is fine), never "*".
            Assert.False(s!["Resource"] is JsonValue v && v.GetValue<string>().Contains('*', StringComparison.Ordinal), s["Resource"]!.ToJsonString());
            Assert.IsAssignableFrom<JsonObject>(s["Resource"]);
        });
    }

    [Fact]
    public void Secrets_are_created_without_values()
    {
        foreach (var name in new[] { "Auth0ClientCredentials", "Auth0AccessToken" })
        {
            Assert.Equal("AWS::SecretsManager::Secret", Resource(name)["Type"]!.GetValue<string>());
            Assert.Null(Properties(name)["SecretString"]);
            Assert.Null(Properties(name)["GenerateSecretString"]);
        }
    }

    [Fact]
    public void Token_refresher_runs_the_tested_code_on_a_schedule_and_alarms_on_failure()
    {
        var function = Properties("TokenRefresher");
        var runtime = function["Runtime"]!.GetValue<string>();
        Assert.Matches("^nodejs[0-9]+\\.x$", runtime);
        Assert.True(int.Parse(runtime[6..^2], CultureInfo.InvariantCulture) >= 20, runtime);
        Assert.Equal("index.handler", function["Handler"]!.GetValue<string>());
        Assert.Equal(File.ReadAllText(RepoFiles.Find("aws/token-refresher/index.js")), function["Code"]!["ZipFile"]!.GetValue<string>());
        var env = function["Environment"]!["Variables"]!;
        Same(Ref("Auth0ClientCredentials"), env["CREDENTIALS_SECRET_ID"]);
        Same(Ref("Auth0AccessToken"), env["TOKEN_SECRET_ID"]);
        Same(Ref("TokenRefreshMinutes"), env["REFRESH_INTERVAL_MINUTES"]);
        Same(GetAtt("IngestDestination", "Arn"), env["DESTINATION_ARN"]);
        Same(Ref("KeepDestinationEnabled"), env["KEEP_DESTINATION_ENABLED"]);
        Assert.Equal("true", Template["Parameters"]!["KeepDestinationEnabled"]!["Default"]!.GetValue<string>());

        Same(Sub("rate(${TokenRefreshMinutes} minutes)"), Properties("TokenRefreshSchedule")["ScheduleExpression"]);
        Same(GetAtt("TokenRefresher", "Arn"), Properties("TokenRefreshSchedule")["Targets"]![0]!["Arn"]);
        Same(GetAtt("TokenRefreshSchedule", "Arn"), Properties("TokenRefreshSchedulePermission")["SourceArn"]);
        Assert.Equal("events.amazonaws.com", Properties("TokenRefreshSchedulePermission")["Principal"]!.GetValue<string>());

        var errors = Properties("TokenRefresherErrorsAlarm");
        Assert.Equal(("AWS/Lambda", "Errors"), (errors["Namespace"]!.GetValue<string>(), errors["MetricName"]!.GetValue<string>()));
        Same(Ref("TokenRefresher"), errors["Dimensions"]![0]!["Value"]);
        Assert.Equal("Auth0Refused", Properties("Auth0RefusedAlarm")["MetricName"]!.GetValue<string>());
        var notEnabled = Properties("DestinationNotEnabledAlarm");
        Assert.Equal(("ButtonFunctions/TokenRefresher", "DestinationNotEnabled"), (notEnabled["Namespace"]!.GetValue<string>(), notEnabled["MetricName"]!.GetValue<string>()));
        Same(Ref("TokenRefresher"), notEnabled["Dimensions"]![0]!["Value"]);
    }

    private static List<JsonNode> Statements(JsonObject role) =>
        role["Policies"]!.AsArray().SelectMany(p => p!["PolicyDocument"]!["Statement"]!.AsArray()).Select(s => s!).ToList();

    private static List<string> Actions(JsonNode statement) => statement["Action"] switch
    {
        JsonArray a => a.Select(x => x!.GetValue<string>()).ToList(),
        JsonValue v => [v.GetValue<string>()],
        _ => [],
    };
}
