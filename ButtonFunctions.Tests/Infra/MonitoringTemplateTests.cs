using System.Diagnostics.Metrics;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using ButtonFunctions.Diagnostics;

namespace ButtonFunctions.Tests.Infra;

/// <summary>
/// The alert rules, their e-mail action group and the workbook (infra/app/alerts.bicep, workbook.bicep), evaluated
/// from the template as ARM would deploy them. The queries must read the metric and tag names the app really emits.
/// </summary>
[Collection(BicepTemplateGroup.Name)]
public sealed partial class MonitoringTemplateTests(BicepTemplateFixture template)
{
    private const string LogAlerts = "Microsoft.Insights/scheduledQueryRules";
    private const string MetricAlerts = "Microsoft.Insights/metricAlerts";
    private const string ActionGroups = "Microsoft.Insights/actionGroups";
    private const string Workbooks = "Microsoft.Insights/workbooks";
    private const string Email = "owner@example.com";

    private static readonly string[] Rules = ["server-errors", "not-stored", "auth-failures", "no-clicks"];

    /// <summary>Every instrument name of the app's meter.</summary>
    private static readonly string[] MetricNames = [.. typeof(AppMetrics).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => f.GetValue(null)).OfType<Instrument>().Select(i => i.Name)];

    private static JsonElement Rule(DeploymentSnapshot snapshot, string key) =>
        Assert.Single(snapshot.OfType(LogAlerts), r => r.Str("name").StartsWith($"alert-{key}-", StringComparison.Ordinal));

    private static string Query(JsonElement rule) => Assert.Single(rule.At("properties", "criteria", "allOf").EnumerateArray()).Str("query");

    private static JsonElement CosmosRule(DeploymentSnapshot snapshot) => snapshot.One(MetricAlerts);

    [Fact]
    public void By_default_the_5xx_and_429_503_rules_are_on_and_the_noisy_ones_are_deployed_off()
    {
        var snapshot = template.Defaults;

        Assert.Equal(Rules.Order(), snapshot.OfType(LogAlerts).Select(r => Regex.Match(r.Str("name"), "^alert-([a-z-]+?)-appi").Groups[1].Value).Order());
        Assert.True(Rule(snapshot, "server-errors").At("properties", "enabled").GetBoolean());
        Assert.True(Rule(snapshot, "not-stored").At("properties", "enabled").GetBoolean());
        Assert.False(Rule(snapshot, "auth-failures").At("properties", "enabled").GetBoolean());
        Assert.False(Rule(snapshot, "no-clicks").At("properties", "enabled").GetBoolean());
        Assert.False(CosmosRule(snapshot).At("properties", "enabled").GetBoolean());
    }

    [Fact]
    public void Without_an_email_address_there_is_no_action_group_and_no_rule_notifies_one()
    {
        var snapshot = template.Defaults;

        Assert.Empty(snapshot.OfType(ActionGroups));
        Assert.All(snapshot.OfType(LogAlerts), r => Assert.Empty(r.At("properties", "actions", "actionGroups").EnumerateArray()));
        Assert.Empty(CosmosRule(snapshot).At("properties", "actions").EnumerateArray());
    }

    [Fact]
    public void With_an_email_address_one_action_group_mails_it_and_every_rule_notifies_that_group()
    {
        var snapshot = template.Snapshot(("alertEmailAddress", Email));

        var group = snapshot.One(ActionGroups);
        var receiver = Assert.Single(group.At("properties", "emailReceivers").EnumerateArray());
        Assert.Equal(Email, receiver.Str("emailAddress"));
        Assert.True(receiver.At("useCommonAlertSchema").GetBoolean());
        Assert.True(group.Str("properties", "groupShortName").Length <= 12, "an action group's short name has at most 12 characters");
        var id = group.Str("id");
        Assert.All(snapshot.OfType(LogAlerts), r => Assert.Equal([id], r.At("properties", "actions", "actionGroups").EnumerateArray().Select(e => e.GetString())));
        Assert.Equal([id], CosmosRule(snapshot).At("properties", "actions").EnumerateArray().Select(a => a.Str("actionGroupId")));
    }

    [Fact]
    public void The_parameters_file_reads_the_email_address_from_ALERT_EMAIL_ADDRESS_defaulting_to_none()
    {
        using var file = JsonDocument.Parse(File.ReadAllText(Path.Combine(template.InfraDirectory, "main.parameters.json")));
        Assert.Equal("${ALERT_EMAIL_ADDRESS=}", file.RootElement.At("parameters", "alertEmailAddress").Str("value"));
    }

    [Fact]
    public void Log_alerts_query_the_application_insights_component_and_fire_on_any_row()
    {
        var snapshot = template.Defaults;
        var component = snapshot.One("Microsoft.Insights/components").Str("id");

        Assert.All(snapshot.OfType(LogAlerts), rule =>
        {
            Assert.Equal("LogAlert", rule.Str("kind"));
            Assert.Equal([component], rule.At("properties", "scopes").EnumerateArray().Select(e => e.GetString()));
            var criterion = Assert.Single(rule.At("properties", "criteria", "allOf").EnumerateArray());
            Assert.Equal("Count", criterion.Str("timeAggregation"));
            Assert.Equal("GreaterThan", criterion.Str("operator"));
            Assert.Equal(0, criterion.At("threshold").GetDouble());
            Assert.StartsWith("customMetrics |", criterion.Str("query"), StringComparison.Ordinal);
        });
    }

    [Fact]
    public void Every_metric_and_tag_a_query_reads_is_one_the_app_emits()
    {
        var snapshot = template.Defaults;
        string[] tags = [AppMetrics.StatusClassTag, AppMetrics.FunctionTag, AppMetrics.OutcomeTag, AppMetrics.ReasonTag];

        foreach (var query in snapshot.OfType(LogAlerts).Select(Query).Concat(WorkbookQueries(snapshot)))
        {
            var names = MetricName().Matches(query).Select(m => m.Value).ToArray();
            Assert.NotEmpty(names);
            Assert.All(names, name => Assert.Contains(name, MetricNames));
            Assert.All(Dimension().Matches(query).Select(m => m.Groups[1].Value), tag => Assert.Contains(tag, tags));
        }

        Assert.Contains($"tostring(customDimensions.function) == \"{nameof(ButtonFunctions.Functions.IngestClicks)}\"", Query(Rule(snapshot, "not-stored")), StringComparison.Ordinal);
    }

    [Fact]
    public void Thresholds_and_windows_come_from_the_parameters()
    {
        var defaults = template.Defaults;
        var custom = template.Snapshot(
            ("alertServerErrorPercent", 7), ("alertNotStoredPercent", 9), ("alertMinimumRequests", 40), ("alertAuthFailuresPer15Minutes", 250),
            ("alertNoClicksEnabled", true), ("alertNoClicksHours", 6), ("alertCosmosThrottlingEnabled", true), ("alertCosmosThrottledPer5Minutes", 30));

        Assert.Contains("where percent > 5", Query(Rule(defaults, "server-errors")), StringComparison.Ordinal);
        Assert.Contains("where total >= 10", Query(Rule(defaults, "server-errors")), StringComparison.Ordinal);
        Assert.Contains("where percent > 7", Query(Rule(custom, "server-errors")), StringComparison.Ordinal);
        Assert.Contains("where total >= 40", Query(Rule(custom, "server-errors")), StringComparison.Ordinal);
        Assert.Contains("where percent > 9", Query(Rule(custom, "not-stored")), StringComparison.Ordinal);
        Assert.Contains("where refused > 250", Query(Rule(custom, "auth-failures")), StringComparison.Ordinal);
        Assert.Equal("PT15M", Rule(custom, "server-errors").Str("properties", "windowSize"));
        Assert.Equal("PT24H", Rule(defaults, "no-clicks").Str("properties", "windowSize"));
        Assert.Equal("PT6H", Rule(custom, "no-clicks").Str("properties", "windowSize"));
        Assert.True(Rule(custom, "no-clicks").At("properties", "enabled").GetBoolean());
        Assert.Equal(100, Assert.Single(CosmosRule(defaults).At("properties", "criteria", "allOf").EnumerateArray()).At("threshold").GetDouble());
        Assert.Equal(30, Assert.Single(CosmosRule(custom).At("properties", "criteria", "allOf").EnumerateArray()).At("threshold").GetDouble());
        Assert.True(CosmosRule(custom).At("properties", "enabled").GetBoolean());
    }

    [Fact]
    public void Cosmos_throttling_is_a_metric_alert_on_TotalRequests_answered_429_by_the_account()
    {
        var snapshot = template.Defaults;
        var rule = CosmosRule(snapshot);
        var criterion = Assert.Single(rule.At("properties", "criteria", "allOf").EnumerateArray());

        Assert.Equal([snapshot.One("Microsoft.DocumentDB/databaseAccounts").Str("id")], rule.At("properties", "scopes").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria", rule.Str("properties", "criteria", "odata.type"));
        Assert.Equal("Microsoft.DocumentDB/databaseAccounts", criterion.Str("metricNamespace"));
        Assert.Equal("TotalRequests", criterion.Str("metricName"));
        Assert.Equal("Count", criterion.Str("timeAggregation"));
        var dimension = Assert.Single(criterion.At("dimensions").EnumerateArray());
        Assert.Equal("StatusCode", dimension.Str("name"));
        Assert.Equal("Include", dimension.Str("operator"));
        Assert.Equal(["429"], dimension.At("values").EnumerateArray().Select(v => v.GetString()));
    }

    [Fact]
    public void The_workbook_charts_every_metric_of_the_app_and_cosmos_requests_by_status_code()
    {
        var snapshot = template.Defaults;
        var workbook = snapshot.One(Workbooks);
        var component = snapshot.One("Microsoft.Insights/components").Str("id");

        Assert.True(Guid.TryParse(workbook.Str("name"), out _), "a workbook's name is a GUID");
        Assert.Equal("shared", workbook.Str("kind"));
        Assert.Equal(component, workbook.Str("properties", "sourceId"));
        using var data = JsonDocument.Parse(workbook.Str("properties", "serializedData"));
        Assert.Equal("Notebook/1.0", data.RootElement.Str("version"));
        Assert.Equal([component], data.RootElement.At("fallbackResourceIds").EnumerateArray().Select(e => e.GetString()));
        var shown = WorkbookQueries(snapshot).SelectMany(q => MetricName().Matches(q).Select(m => m.Value)).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(MetricNames.Order(), shown.Order());

        var cosmos = Assert.Single(data.RootElement.At("items").EnumerateArray(), i => i.At("type").GetInt32() == 10);
        Assert.Equal([snapshot.One("Microsoft.DocumentDB/databaseAccounts").Str("id")], cosmos.At("content", "resourceIds").EnumerateArray().Select(e => e.GetString()));
        var metric = Assert.Single(cosmos.At("content", "metrics").EnumerateArray());
        Assert.EndsWith("-TotalRequests", metric.Str("metric"), StringComparison.Ordinal);
        Assert.Equal("StatusCode", metric.Str("splitBy"));
    }

    private static IEnumerable<string> WorkbookQueries(DeploymentSnapshot snapshot)
    {
        using var data = JsonDocument.Parse(snapshot.One(Workbooks).Str("properties", "serializedData"));
        return [.. data.RootElement.At("items").EnumerateArray().Where(i => i.At("type").GetInt32() == 3).Select(i => i.Str("content", "query"))];
    }

    [GeneratedRegex(@"buttonfunctions\.[a-z_.]+[a-z]")]
    private static partial Regex MetricName();

    [GeneratedRegex(@"customDimensions\.([a-z_]+)")]
    private static partial Regex Dimension();
}
