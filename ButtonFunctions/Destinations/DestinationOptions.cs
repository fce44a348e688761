using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace ButtonFunctions.Destinations;

/// <summary>Which AWS IoT topic rule destinations this app confirms (configuration section <c>Destinations</c>).</summary>
public sealed class DestinationOptions
{
    public const string SectionName = "Destinations";

    /// <summary>Destination ARNs whose confirmation URL is followed; comma-separated or indexed (see <see cref="Configuration.ListSettings"/>).</summary>
    public IList<string> AllowedArns { get; } = [];

    /// <summary>
    /// For tests only (absent in production): loopback URL prefixes ending in <c>/confirmdestination/</c>
    /// that may stand in for <c>https://iot.&lt;region&gt;.amazonaws.com/confirmdestination/</c>.
    /// </summary>
    public IList<string> AllowedEnableUrlPrefixes { get; } = [];

    /// <summary>Bound on the confirmation GET.</summary>
    public TimeSpan ConfirmationTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Most destination confirmation requests (which carry no token) one instance accepts per
    /// <see cref="ConfirmationWindow"/>; beyond it they are answered 429. AWS sends one when a destination is created
    /// or its confirmation is re-sent, so a handful is plenty.
    /// </summary>
    public int ConfirmationPermitLimit { get; set; } = 10;

    /// <summary>The window of <see cref="ConfirmationPermitLimit"/>.</summary>
    public TimeSpan ConfirmationWindow { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>Start-up validation: a wrong allow-list entry would silently refuse (or worse, follow) confirmations.</summary>
internal sealed class DestinationOptionsValidator : IValidateOptions<DestinationOptions>
{
    public ValidateOptionsResult Validate(string? name, DestinationOptions options)
    {
        var failures = new List<string>();
        foreach (var arn in options.AllowedArns)
        {
            if (!DestinationConfirmationRequest.ArnPattern().IsMatch(arn))
            {
                failures.Add($"Destinations:AllowedArns holds '{arn}', which is not an AWS IoT topic rule destination ARN (arn:aws:iot:<region>:<account>:ruledestination/http/<id>).");
            }
        }

        foreach (var prefix in options.AllowedEnableUrlPrefixes)
        {
            if (!Uri.TryCreate(prefix, UriKind.Absolute, out var uri)
                || uri.Scheme is not ("http" or "https")
                || !uri.IsLoopback
                || !string.IsNullOrEmpty(uri.UserInfo)
                || !prefix.EndsWith("/confirmdestination/", StringComparison.Ordinal))
            {
                failures.Add($"Destinations:AllowedEnableUrlPrefixes holds '{prefix}'; only loopback test listeners ending in /confirmdestination/ are allowed (this setting is for tests).");
            }
        }

        if (options.ConfirmationTimeout <= TimeSpan.Zero || options.ConfirmationTimeout > TimeSpan.FromSeconds(30))
        {
            failures.Add("Destinations:ConfirmationTimeout must be between 00:00:00.001 and 00:00:30.");
        }

        if (options.ConfirmationPermitLimit is < 1 or > 10_000)
        {
            failures.Add("Destinations:ConfirmationPermitLimit must be between 1 and 10000.");
        }

        if (options.ConfirmationWindow < TimeSpan.FromSeconds(1) || options.ConfirmationWindow > TimeSpan.FromHours(1))
        {
            failures.Add("Destinations:ConfirmationWindow must be between 00:00:01 and 01:00:00.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
