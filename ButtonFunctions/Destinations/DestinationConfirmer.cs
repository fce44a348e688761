using System.Text.RegularExpressions;
using ButtonFunctions.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ButtonFunctions.Destinations;

/// <summary>What became of a destination confirmation request.</summary>
/// <param name="Outcome">confirmed, not-followed or failed.</param>
/// <param name="Detail">Why, in a sentence (no token).</param>
public sealed record DestinationConfirmationResult(string Outcome, string Detail, int? Status);

/// <summary>
/// Confirms AWS IoT topic rule destinations by GET on their enableUrl — but only for allow-listed ARNs and
/// only when the URL is exactly <c>https://iot.&lt;region of the ARN&gt;.amazonaws.com[.cn]/confirmdestination/&lt;token&gt;</c>
/// (or, in tests, a configured loopback prefix). Anything else is refused and the operator is told the
/// CLI command that confirms it instead: following an arbitrary URL would be a server-side request forgery hole.
/// </summary>
public sealed partial class DestinationConfirmer(
    HttpClient http,
    IOptions<DestinationOptions> options,
    IDestinationStore store,
    UnlistedDestinationLog unlisted,
    TimeProvider time,
    ILogger<DestinationConfirmer> logger)
{
    public const string Confirmed = "confirmed";
    public const string NotFollowed = "not-followed";
    public const string Failed = "failed";

    internal const string NotAllowedReason = "The destination ARN is not in Destinations:AllowedArns.";

    public async Task<DestinationConfirmationResult> ConfirmAsync(DestinationConfirmationRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!options.Value.AllowedArns.Contains(request.Arn, StringComparer.Ordinal))
        {
            // Anyone can send these (they carry no token): nothing is stored for them, and the log gets a sampled line.
            unlisted.Write(request);
            AppMetrics.Add(AppMetrics.Confirmations, 1, AppMetrics.OutcomeTag, "unlisted");
            return new DestinationConfirmationResult(NotFollowed, NotAllowedReason, null);
        }

        var enableUri = Uri.TryCreate(request.EnableUrl, UriKind.Absolute, out var parsed) ? parsed : null;
        var refusal = WhyNotFollow(request, enableUri, options.Value);
        DestinationConfirmationResult result;
        if (refusal is not null)
        {
            LogNotFollowed(logger, request.Arn, refusal, request.ConfirmCommand, request.EnableCommand);
            result = new DestinationConfirmationResult(NotFollowed, refusal, null);
        }
        else
        {
            result = await FollowAsync(request, enableUri!, cancellationToken).ConfigureAwait(false);
        }

        AppMetrics.Add(AppMetrics.Confirmations, 1, AppMetrics.OutcomeTag, result.Outcome);
        await store.RecordAsync(
            new DestinationConfirmationAttempt(request.Arn, enableUri?.Host, result.Outcome, result.Status, time.GetUtcNow()),
            cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <summary>Null when the enableUrl may be fetched; otherwise the reason it may not.</summary>
    internal static string? WhyNotFollow(DestinationConfirmationRequest request, Uri? enableUri, DestinationOptions options)
    {
        if (!options.AllowedArns.Contains(request.Arn, StringComparer.Ordinal))
        {
            return NotAllowedReason;
        }

        if (enableUri is null)
        {
            return "enableUrl is not an absolute URL.";
        }

        // What is fetched is the parsed Uri; what is checked below is the text. They must be the same URL: System.Uri
        // normalises (dot segments, escapes, case), and a normalised URL is one nobody checked.
        if (!string.Equals(enableUri.AbsoluteUri, request.EnableUrl, StringComparison.Ordinal))
        {
            return "enableUrl is not in its normal form (it would be fetched as a different URL than the one given).";
        }

        // Test listeners: an exact prefix + token match, nothing looser.
        if (options.AllowedEnableUrlPrefixes.Any(prefix => string.Equals(request.EnableUrl, prefix + request.ConfirmationToken, StringComparison.Ordinal)))
        {
            return null;
        }

        if (enableUri.Scheme != Uri.UriSchemeHttps || !string.IsNullOrEmpty(enableUri.UserInfo) || !enableUri.IsDefaultPort)
        {
            return "enableUrl must be https without user info or a port.";
        }

        var host = AwsIotHostPattern().Match(enableUri.Host);
        if (!host.Success || host.Groups["region"].Value != request.Region)
        {
            return "enableUrl must point at iot.<region of the ARN>.amazonaws.com.";
        }

        // Compare the original text, not the parsed Uri: no escapes, dot segments or extra parts may hide in it.
        var expected = "https://" + enableUri.Host + "/confirmdestination/" + request.ConfirmationToken;
        return string.Equals(request.EnableUrl, expected, StringComparison.Ordinal)
            ? null
            : "enableUrl must be exactly https://iot.<region>.amazonaws.com/confirmdestination/<confirmationToken>.";
    }

    private async Task<DestinationConfirmationResult> FollowAsync(DestinationConfirmationRequest request, Uri enableUri, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.GetAsync(enableUri, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                LogConfirmed(logger, request.Arn, enableUri.Host, status, request.EnableCommand);
                return new DestinationConfirmationResult(Confirmed, "The destination was confirmed.", status);
            }

            LogConfirmFailed(logger, null, request.Arn, enableUri.Host, status, request.ConfirmCommand, request.EnableCommand);
            return new DestinationConfirmationResult(Failed, "The confirmation URL answered with a non-success status; confirm with the AWS CLI.", status);
        }
        catch (Exception ex) when (ex is HttpRequestException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // HttpClient.Timeout surfaces as a cancellation that the caller did not ask for.
            LogConfirmFailed(logger, ex, request.Arn, enableUri.Host, null, request.ConfirmCommand, request.EnableCommand);
            return new DestinationConfirmationResult(Failed, "The confirmation URL could not be reached in time; confirm with the AWS CLI.", null);
        }
    }

    [GeneratedRegex(@"\Aiot\.(?<region>[a-z]{2}(-[a-z]+)+-[0-9]{1,2})\.amazonaws\.com(\.cn)?\z", RegexOptions.CultureInvariant)]
    private static partial Regex AwsIotHostPattern();

    [LoggerMessage(EventId = 3100, Level = LogLevel.Information, Message = "Destination {Arn} confirmed via {EnableUrlHost} (HTTP {Status}); it stays DISABLED until enabled: {EnableCommand} (the stack's token refresher does this on its next run when KeepDestinationEnabled is true)")]
    private static partial void LogConfirmed(ILogger logger, string arn, string enableUrlHost, int status, string enableCommand);

    [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "Destination confirmation for {Arn} not followed: {Reason} To confirm it, run: {ConfirmCommand}, then enable it: {EnableCommand}")]
    private static partial void LogNotFollowed(ILogger logger, string arn, string reason, string confirmCommand, string enableCommand);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Warning, Message = "Destination confirmation for {Arn} via {EnableUrlHost} failed (HTTP {Status}); to confirm it, run: {ConfirmCommand}, then enable it: {EnableCommand}")]
    private static partial void LogConfirmFailed(ILogger logger, Exception? exception, string arn, string enableUrlHost, int? status, string confirmCommand, string enableCommand);
}
