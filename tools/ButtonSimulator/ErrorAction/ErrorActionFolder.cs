using System.Text.Json;
using System.Text.RegularExpressions;

namespace ButtonSimulator.ErrorAction;

/// <summary>Where failed messages go.</summary>
internal interface IErrorActionSink
{
    Task WriteAsync(ErrorActionRecord record, CancellationToken ct);
}

/// <summary>
/// A folder of JSON files, one record per file, named like the template's S3 key
/// (<c>${timestamp()}-${newuuid()}-traceid-${traceid()}.json</c>): an unbatched record's name carries the
/// trace id the rule gave the message, which replay prefers over <c>cloudwatchTraceId</c> (aws/FACTS.md,
/// "Trace ids"). A batched record's name carries none (one key for many messages).
/// </summary>
internal sealed partial class ErrorActionFolder(string directory) : IErrorActionSink
{
    private int _written;

    public string Directory => directory;

    public int Written => Volatile.Read(ref _written);

    public async Task WriteAsync(ErrorActionRecord record, CancellationToken ct)
    {
        System.IO.Directory.CreateDirectory(directory);
        var name = $"{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}-{Guid.NewGuid()}";
        if (!record.IsBatched && record.CloudwatchTraceId is { } trace && TraceIdToken().IsMatch(trace))
        {
            name += KeyTraceIdMarker + trace;
        }

        await File.WriteAllTextAsync(Path.Combine(directory, name + ".json"), JsonSerializer.Serialize(record), ct);
        Interlocked.Increment(ref _written);
    }

    /// <summary>What separates the uuid from the trace id in a record's name.</summary>
    public const string KeyTraceIdMarker = "-traceid-";

    /// <summary>The trace id an object key / file name carries, if any.</summary>
    public static string? KeyTraceId(string path)
    {
        var match = KeyTraceIdPattern().Match(Path.GetFileName(path));
        return match.Success ? match.Groups["id"].Value : null;
    }

    [GeneratedRegex("^[0-9A-Za-z-]{8,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex TraceIdToken();

    [GeneratedRegex("-traceid-(?<id>[0-9A-Za-z-]{8,64})\\.json$", RegexOptions.CultureInvariant)]
    private static partial Regex KeyTraceIdPattern();
}
