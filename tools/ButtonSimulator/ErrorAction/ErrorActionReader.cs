using System.Text;
using System.Text.Json;

namespace ButtonSimulator.ErrorAction;

/// <summary>One record read from disk (with the trace id its file name carries), or why a part of a file could not be read.</summary>
internal sealed record ReadRecord(string Source, ErrorActionRecord? Record, string? Problem, string? KeyTraceId = null);

/// <summary>
/// Reads error-action records from files or folders (recursively, as <c>aws s3 sync</c> lays out the
/// <c>failed/&lt;topic&gt;/</c> keys): one JSON record per file, a JSON array of records, or JSON lines.
/// A path that does not exist yields nothing: there is nothing to replay there.
/// </summary>
internal static class ErrorActionReader
{
    public static IEnumerable<ReadRecord> Read(IEnumerable<string> paths)
    {
        foreach (var path in paths)
        {
            var files = Directory.Exists(path)
                ? Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
                : File.Exists(path) ? [path] : Enumerable.Empty<string>();
            foreach (var file in files)
            {
                foreach (var record in ReadFile(file))
                {
                    yield return record;
                }
            }
        }
    }

    private static IEnumerable<ReadRecord> ReadFile(string file)
    {
        var text = File.ReadAllText(file, Encoding.UTF8).Trim();
        if (text.Length == 0)
        {
            yield break;
        }

        var whole = TryParse(text);
        if (whole is not null)
        {
            // Only a file holding one record is an S3 object whose key can carry that record's trace id.
            var keyTraceId = whole.Count == 1 ? ErrorActionFolder.KeyTraceId(file) : null;
            foreach (var (record, i) in whole.Select((r, i) => (r, i)))
            {
                yield return new ReadRecord(whole.Count > 1 ? $"{file}[{i}]" : file, record, null, keyTraceId);
            }

            yield break;
        }

        var lineNumber = 0;
        foreach (var line in text.Split('\n'))
        {
            lineNumber++;
            if (line.Trim().Length == 0)
            {
                continue;
            }

            var records = TryParse(line.Trim());
            yield return records is { Count: 1 }
                ? new ReadRecord($"{file}:{lineNumber}", records[0], null)
                : new ReadRecord($"{file}:{lineNumber}", null, "not an error-action record");
        }
    }

    private static List<ErrorActionRecord>? TryParse(string json)
    {
        try
        {
            if (json.StartsWith('['))
            {
                var many = JsonSerializer.Deserialize<List<ErrorActionRecord>>(json);
                return many is { Count: > 0 } && many.TrueForAll(r => r?.HasPayload == true) ? many : null;
            }

            var one = JsonSerializer.Deserialize<ErrorActionRecord>(json);
            return one?.HasPayload == true ? [one] : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
