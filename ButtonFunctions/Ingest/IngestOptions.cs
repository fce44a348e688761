using System.ComponentModel.DataAnnotations;

namespace ButtonFunctions.Ingest;

/// <summary>Limits for <c>POST /api/clicks</c> (configuration section <c>Ingest</c>).</summary>
public sealed class IngestOptions
{
    public const string SectionName = "Ingest";

    /// <summary>Most clicks accepted in one request (AWS batches at most 10).</summary>
    [Range(1, 10_000, ErrorMessage = "Ingest:MaxEvents must be between 1 and 10000.")]
    public int MaxEvents { get; set; } = 100;

    /// <summary>Largest accepted body; AWS batches are at most 131,072 bytes.</summary>
    [Range(1_024, 16 * 1024 * 1024, ErrorMessage = "Ingest:MaxBodyBytes must be between 1024 and 16777216.")]
    public int MaxBodyBytes { get; set; } = 131_072;
}
