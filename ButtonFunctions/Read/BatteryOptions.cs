using System.Globalization;
using ButtonFunctions.Clicks;
using Microsoft.Extensions.Options;

namespace ButtonFunctions.Read;

/// <summary>
/// When a device's latest battery reading counts as low (configuration section <c>Battery</c>). The defaults and
/// where they come from are in the README ("Battery thresholds").
/// </summary>
public sealed class BatteryOptions
{
    public const string SectionName = "Battery";

    /// <summary>
    /// A classic AWS IoT Button reading (<c>batteryVoltage</c>) at or below this many millivolts is low. The button runs
    /// on one non-replaceable AAA cell of 1.5 V nominal; the readings it sends are near 1,700 mV when fresh.
    /// </summary>
    public int LowMillivolts { get; set; } = 1_500;

    /// <summary>An AWS IoT 1-Click <c>remainingLife</c> (a percentage in click events) at or below this is low.</summary>
    public double LowRemainingLife { get; set; } = 10;

    public BatteryThresholds Thresholds => new(LowMillivolts, LowRemainingLife);
}

/// <summary>Start-up validation of <see cref="BatteryOptions"/>; every message names the app setting.</summary>
internal sealed class BatteryOptionsValidator : IValidateOptions<BatteryOptions>
{
    public const int MaxMillivolts = 10_000;

    public ValidateOptionsResult Validate(string? name, BatteryOptions options)
    {
        var failures = new List<string>();
        if (options.LowMillivolts is < 0 or > MaxMillivolts)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture,
                $"Battery:LowMillivolts (app setting Battery__LowMillivolts) must be a whole number of millivolts from 0 to {MaxMillivolts}."));
        }

        if (!double.IsFinite(options.LowRemainingLife) || options.LowRemainingLife is < 0 or > 100)
        {
            failures.Add("Battery:LowRemainingLife (app setting Battery__LowRemainingLife) must be a percentage from 0 to 100.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
