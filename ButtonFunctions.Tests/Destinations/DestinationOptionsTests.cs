using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ButtonFunctions.Destinations;

namespace ButtonFunctions.Tests.Destinations;

[Trait("Category", "Unit")]
public sealed class DestinationOptionsTests
{
    private const string Arn1 = "arn:aws:iot:us-east-1:123456789012:ruledestination/http/a1";
    private const string Arn2 = "arn:aws:iot:eu-west-1:123456789012:ruledestination/http/b2";

    private static DestinationOptions Bind(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration);
        services.AddDestinationConfirmation();
        return services.BuildServiceProvider().GetRequiredService<IOptions<DestinationOptions>>().Value;
    }

    [Fact]
    public void Allowed_arns_can_be_a_comma_separated_app_setting()
    {
        var options = Bind(new() { ["Destinations:AllowedArns"] = $"{Arn1}, {Arn2}," });

        Assert.Equal([Arn1, Arn2], options.AllowedArns);
    }

    [Fact]
    public void Allowed_arns_can_be_an_array()
    {
        var options = Bind(new() { ["Destinations:AllowedArns:0"] = Arn1, ["Destinations:AllowedArns:1"] = Arn2 });

        Assert.Equal([Arn1, Arn2], options.AllowedArns);
    }

    [Fact]
    public void A_malformed_arn_or_a_non_loopback_test_prefix_fails_validation_naming_the_key()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Bind(new()
        {
            ["Destinations:AllowedArns"] = "arn:aws:s3:::bucket",
            ["Destinations:AllowedEnableUrlPrefixes"] = "https://evil.example.com/confirmdestination/",
        }));

        Assert.Contains(error.Failures, f => f.StartsWith("Destinations:AllowedArns", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.StartsWith("Destinations:AllowedEnableUrlPrefixes", StringComparison.Ordinal));
    }

    [Fact]
    public void The_comma_separated_value_the_template_deploys_passes_the_apps_validation()
    {
        var options = Bind(new() { ["Destinations:AllowedArns"] = Infra.BicepTemplateFixture.DestinationArns });

        Assert.Equal(2, options.AllowedArns.Count);
    }

    [Fact]
    public void A_placeholder_arn_is_refused_at_start_up_naming_the_key_and_the_expected_shape()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Bind(new()
        {
            ["Destinations:AllowedArns"] = "arn:aws:iot:eu-west-1:123456789012:ruledestination/http/<uuid>",
        }));

        var failure = Assert.Single(error.Failures);
        Assert.StartsWith("Destinations:AllowedArns", failure, StringComparison.Ordinal);
        Assert.Contains("arn:aws:iot:<region>:<account>:ruledestination/http/<id>", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void A_loopback_test_prefix_passes_validation()
    {
        var options = Bind(new() { ["Destinations:AllowedEnableUrlPrefixes"] = "http://127.0.0.1:5999/confirmdestination/" });

        Assert.Equal(["http://127.0.0.1:5999/confirmdestination/"], options.AllowedEnableUrlPrefixes);
    }

    [Fact]
    public void The_confirmation_bound_has_defaults_and_can_be_set()
    {
        var defaults = Bind([]);
        var set = Bind(new() { ["Destinations:ConfirmationPermitLimit"] = "3", ["Destinations:ConfirmationWindow"] = "00:10:00" });

        Assert.Equal((10, TimeSpan.FromMinutes(1)), (defaults.ConfirmationPermitLimit, defaults.ConfirmationWindow));
        Assert.Equal((3, TimeSpan.FromMinutes(10)), (set.ConfirmationPermitLimit, set.ConfirmationWindow));
    }

    [Theory]
    [InlineData("0", "00:01:00", "Destinations:ConfirmationPermitLimit")]
    [InlineData("10001", "00:01:00", "Destinations:ConfirmationPermitLimit")]
    [InlineData("10", "00:00:00.500", "Destinations:ConfirmationWindow")]
    [InlineData("10", "02:00:00", "Destinations:ConfirmationWindow")]
    public void A_confirmation_bound_out_of_range_fails_validation_naming_the_key(string limit, string window, string key)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Bind(new() { ["Destinations:ConfirmationPermitLimit"] = limit, ["Destinations:ConfirmationWindow"] = window }));

        Assert.Contains(error.Failures, f => f.StartsWith(key, StringComparison.Ordinal));
    }
}
