using ButtonFunctions.Read;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ButtonFunctions.Tests.Read;

public sealed class BatteryOptionsTests
{
    private static BatteryOptions Bind(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddLogging();
        services.AddClickReading();
        return services.BuildServiceProvider().GetRequiredService<IOptions<BatteryOptions>>().Value;
    }

    [Fact]
    public void Defaults_are_the_documented_thresholds()
    {
        var options = Bind([]);

        Assert.Equal(1_500, options.LowMillivolts);
        Assert.Equal(10, options.LowRemainingLife);
        Assert.Equal(new(1_500, 10), options.Thresholds);
    }

    [Fact]
    public void App_settings_override_the_defaults()
    {
        var options = Bind(new() { ["Battery:LowMillivolts"] = "2400", ["Battery:LowRemainingLife"] = "25.5" });

        Assert.Equal((2_400, 25.5), (options.LowMillivolts, options.LowRemainingLife));
    }

    [Theory]
    [InlineData("Battery:LowMillivolts", "-1", "Battery__LowMillivolts")]
    [InlineData("Battery:LowMillivolts", "10001", "Battery__LowMillivolts")]
    [InlineData("Battery:LowRemainingLife", "100.5", "Battery__LowRemainingLife")]
    [InlineData("Battery:LowRemainingLife", "-0.1", "Battery__LowRemainingLife")]
    [InlineData("Battery:LowRemainingLife", "NaN", "Battery__LowRemainingLife")]
    public void An_out_of_range_threshold_stops_the_app_naming_the_setting(string key, string value, string named)
    {
        var e = Assert.Throws<OptionsValidationException>(() => Bind(new() { [key] = value }));

        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }
}
