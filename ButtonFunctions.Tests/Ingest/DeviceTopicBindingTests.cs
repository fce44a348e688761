using ButtonFunctions.Http;
using ButtonFunctions.Ingest;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ButtonFunctions.Tests.Ingest;

/// <summary>
/// A topic that names a device binds the click to it: AWS sets the topic from what the device published to (which its
/// IoT policy allows); the device id in the body is whatever the device wrote.
/// </summary>
[Trait("Category", "Unit")]
public sealed class DeviceTopicBindingTests
{
    private static IngestOptions WithPatterns(params string[] patterns)
    {
        var options = new IngestOptions();
        foreach (var pattern in patterns)
        {
            options.DeviceTopicPatterns.Add(pattern);
        }

        return options;
    }

    [Fact]
    public async Task A_body_device_that_differs_from_the_topics_device_is_refused_and_not_stored()
    {
        var harness = new IngestHarness();

        var answer = await harness.PostAsync("""{"serialNumber":"VICTIM-0001","clickType":"LONG","topic":"iotbutton/ATTACKER-9"}""");

        Assert.Equal(400, answer.Status);
        Assert.Equal(ProblemTypes.InvalidClicks, answer.Json.GetProperty("type").GetString());
        var error = Assert.Single(answer.Json.GetProperty("errors").EnumerateArray());
        Assert.Equal(0, error.GetProperty("index").GetInt32());
        Assert.Contains("ATTACKER-9", error.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Contains("VICTIM-0001", error.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Empty(harness.Store.Stored);
    }

    [Fact]
    public async Task In_a_batch_each_mismatch_is_listed_and_the_matching_clicks_are_stored()
    {
        var harness = new IngestHarness();

        var answer = await harness.PostAsync("""
            [{"serialNumber":"G030A","clickType":"SINGLE","topic":"iotbutton/G030A","traceId":"bind-1"},
             {"deviceId":"esp32-x","clickType":"single","topic":"iotbutton/G030B","traceId":"bind-2"},
             {"deviceEvent":{"buttonClicked":{"clickType":"LONG","reportedTime":"2026-11-25T18:00:00.100Z"}},"deviceInfo":{"deviceId":"G030C"},"topic":"iotbutton/G030D","traceId":"bind-3"},
             {"deviceId":"esp32-y","clickType":"double","topic":"buttons/kitchen","traceId":"bind-4"},
             {"serialNumber":"G030E","clickType":"LONG","traceId":"bind-5"}]
            """);

        Assert.Equal(400, answer.Status);
        Assert.Equal([1, 2], answer.Json.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("index").GetInt32()));
        Assert.Equal(["bind-1", "bind-4", "bind-5"], harness.Store.Stored.Keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("""{"deviceId":"esp32-hall-1","clickType":"single","topic":"buttons/hall"}""")]
    [InlineData("""{"deviceId":"esp32-hall-1","clickType":"single","topic":"iotbutton"}""")]
    [InlineData("""{"deviceId":"esp32-hall-1","clickType":"single","topic":"iotbutton/esp32-hall-1/extra"}""")]
    [InlineData("""{"deviceId":"esp32-hall-1","clickType":"single","topic":"IOTBUTTON/other"}""")]
    [InlineData("""{"deviceId":"esp32-hall-1","clickType":"single"}""")]
    [InlineData("""{"serialNumber":"G030JF055364XVRB","clickType":"SINGLE","topic":"iotbutton/G030JF055364XVRB"}""")]
    public async Task A_topic_that_names_no_device_or_the_same_device_passes(string body)
    {
        var harness = new IngestHarness();

        var answer = await harness.PostAsync(body);

        Assert.Equal(201, answer.Status);
    }

    [Fact]
    public async Task Configured_patterns_replace_the_default_and_may_use_single_level_wildcards()
    {
        var harness = new IngestHarness(WithPatterns("site/+/buttons/{deviceId}/click"));

        var refused = await harness.PostAsync("""{"deviceId":"esp32-a","clickType":"single","topic":"site/berlin/buttons/esp32-b/click"}""");
        var passed = await harness.PostAsync("""{"deviceId":"esp32-a","clickType":"single","topic":"site/berlin/buttons/esp32-a/click"}""");
        var defaultGone = await harness.PostAsync("""{"deviceId":"esp32-a","clickType":"single","topic":"iotbutton/esp32-b"}""");

        Assert.Equal((400, 201, 201), (refused.Status, passed.Status, defaultGone.Status));
    }

    [Fact]
    public async Task None_switches_the_binding_off()
    {
        var harness = new IngestHarness(WithPatterns("none"));

        var answer = await harness.PostAsync("""{"serialNumber":"VICTIM-0001","clickType":"LONG","topic":"iotbutton/ATTACKER-9"}""");

        Assert.Equal(201, answer.Status);
    }

    [Theory]
    [InlineData("iotbutton/+")]
    [InlineData("iotbutton/{deviceId}/{deviceId}")]
    [InlineData("iotbutton/#")]
    [InlineData("iotbutton/{deviceId}/#")]
    [InlineData("iot+button/{deviceId}")]
    [InlineData("iotbutton/x{deviceId}")]
    [InlineData("none,iotbutton/{deviceId}")]
    public void Invalid_patterns_stop_the_app_at_start_up_naming_the_key(string setting)
    {
        using var provider = new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Ingest:DeviceTopicPatterns"] = setting }).Build())
            .AddLogging()
            .AddClickIngestion()
            .BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<IngestOptions>>().Value);

        Assert.Contains("Ingest:DeviceTopicPatterns", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_is_the_classic_buttons_topic_and_a_comma_separated_setting_replaces_it()
    {
        IngestOptions Bound(string? setting)
        {
            var values = new Dictionary<string, string?>();
            if (setting is not null)
            {
                values["Ingest:DeviceTopicPatterns"] = setting;
            }

            using var provider = new ServiceCollection()
                .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(values).Build())
                .AddLogging()
                .AddClickIngestion()
                .BuildServiceProvider();
            return provider.GetRequiredService<IOptions<IngestOptions>>().Value;
        }

        Assert.Equal(["iotbutton/{deviceId}"], DeviceTopicPattern.FromSettings(Bound(null).DeviceTopicPatterns).Select(p => p.Text));
        Assert.Equal(["a/{deviceId}", "b/+/{deviceId}"], DeviceTopicPattern.FromSettings(Bound("a/{deviceId}, b/+/{deviceId}").DeviceTopicPatterns).Select(p => p.Text));
        Assert.Empty(DeviceTopicPattern.FromSettings(Bound("none").DeviceTopicPatterns));
    }
}
