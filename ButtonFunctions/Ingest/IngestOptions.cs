using Microsoft.Extensions.Options;

namespace ButtonFunctions.Ingest;

/// <summary>Limits for <c>POST /api/clicks</c> (configuration section <c>Ingest</c>).</summary>
public sealed class IngestOptions
{
    public const string SectionName = "Ingest";

    /// <summary>Most clicks accepted in one request (AWS batches at most 10).</summary>
    public int MaxEvents { get; set; } = 100;

    /// <summary>Largest accepted body; AWS batches are at most 131,072 bytes.</summary>
    public int MaxBodyBytes { get; set; } = 131_072;

    /// <summary>
    /// Topics that name their device (see <see cref="DeviceTopicPattern"/>); a click whose topic matches one must carry
    /// that device id. <see cref="DeviceTopicPattern.Default"/> when not configured; <c>none</c> switches the check off.
    /// Comma-separated or indexed (see <see cref="Configuration.ListSettings"/>).
    /// </summary>
    public IList<string> DeviceTopicPatterns { get; } = [];
}

/// <summary>Start-up validation of <see cref="IngestOptions"/>; every message names the configuration key.</summary>
internal sealed class IngestOptionsValidator : IValidateOptions<IngestOptions>
{
    public ValidateOptionsResult Validate(string? name, IngestOptions options)
    {
        var failures = new List<string>();
        if (options.MaxEvents is < 1 or > 10_000)
        {
            failures.Add("Ingest:MaxEvents must be between 1 and 10000.");
        }

        if (options.MaxBodyBytes is < 1_024 or > 16 * 1024 * 1024)
        {
            failures.Add("Ingest:MaxBodyBytes must be between 1024 and 16777216.");
        }

        foreach (var pattern in options.DeviceTopicPatterns)
        {
            if (pattern == DeviceTopicPattern.None)
            {
                if (options.DeviceTopicPatterns.Count > 1)
                {
                    failures.Add("Ingest:DeviceTopicPatterns holds 'none' next to patterns; use either 'none' alone or patterns.");
                }
            }
            else if (DeviceTopicPattern.Parse(pattern, out var error) is null)
            {
                failures.Add($"Ingest:DeviceTopicPatterns holds '{pattern}', which {error} (like iotbutton/{{deviceId}}).");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
