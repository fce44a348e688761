using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using ButtonSimulator.Payloads;

namespace ButtonSimulator.ErrorAction;

/// <summary>What an AWS IoT rule's error action receives after the last failed try (ARCHITECTURE §2).</summary>
internal sealed record ErrorActionRecord(
    [property: JsonPropertyName("ruleName")] string? RuleName,
    [property: JsonPropertyName("topic")] string? Topic,
    [property: JsonPropertyName("cloudwatchTraceId")] string? CloudwatchTraceId,
    [property: JsonPropertyName("clientId")] string? ClientId,
    [property: JsonPropertyName("base64OriginalPayload")] string? Base64OriginalPayload,
    [property: JsonPropertyName("failures")] IReadOnlyList<ErrorActionFailure>? Failures)
{
    public static ErrorActionRecord For(IotMessage message, string ruleName, Uri resource, string errorMessage) =>
        new(ruleName, message.Topic, message.TraceId, message.ClientId, Convert.ToBase64String(message.OriginalPayload),
            [new ErrorActionFailure("HttpAction", resource.AbsoluteUri, errorMessage)]);

    /// <summary>The message the rule would post again; null when the record has no (valid base64) payload.</summary>
    public IotMessage? ToMessage()
    {
        if (string.IsNullOrEmpty(Base64OriginalPayload))
        {
            return null;
        }

        var payload = new byte[Base64OriginalPayload.Length];
        if (!Convert.TryFromBase64String(Base64OriginalPayload, payload, out var length))
        {
            return null;
        }

        payload = payload[..length];
        var topic = Topic ?? string.Empty;
        return ClickPayloads.FromOriginal(payload, topic, ClientId ?? string.Empty, CloudwatchTraceId ?? Guid.NewGuid().ToString());
    }
}

internal sealed record ErrorActionFailure(
    [property: JsonPropertyName("failedAction")] string FailedAction,
    [property: JsonPropertyName("failedResource")] string FailedResource,
    [property: JsonPropertyName("errorMessage")] string ErrorMessage);

/// <summary>Where failed messages go: a folder of JSON files, one record per file (as the S3 error action writes).</summary>
internal interface IErrorActionSink
{
    Task WriteAsync(ErrorActionRecord record, CancellationToken ct);
}

internal sealed class ErrorActionFolder(string directory) : IErrorActionSink
{
    private int _written;

    public int Written => Volatile.Read(ref _written);

    public async Task WriteAsync(ErrorActionRecord record, CancellationToken ct)
    {
        Directory.CreateDirectory(directory);
        // Same naming idea as the template's S3 key: ${timestamp()}-${newuuid()}.json.
        var path = Path.Combine(directory, $"{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}-{Guid.NewGuid()}.json");
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(record), ct);
        Interlocked.Increment(ref _written);
    }
}

/// <summary>One record read from disk, or why a part of a file could not be read.</summary>
internal sealed record ReadRecord(string Source, ErrorActionRecord? Record, string? Problem);

/// <summary>Reads error-action records from files or folders: one JSON record per file, a JSON array, or JSON lines.</summary>
internal static class ErrorActionReader
{
    public static IEnumerable<ReadRecord> Read(IEnumerable<string> paths)
    {
        foreach (var path in paths)
        {
            if (Directory.Exists(path))
            {
                foreach (var file in Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
                {
                    foreach (var record in ReadFile(file))
                    {
                        yield return record;
                    }
                }
            }
            else if (File.Exists(path))
            {
                foreach (var record in ReadFile(path))
                {
                    yield return record;
                }
            }
            else
            {
                yield return new ReadRecord(path, null, "no such file or folder");
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
            foreach (var (record, i) in whole.Select((r, i) => (r, i)))
            {
                yield return new ReadRecord(whole.Count > 1 ? $"{file}[{i}]" : file, record, null);
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
                return many is not null && many.TrueForAll(r => r?.Base64OriginalPayload is not null) ? many : null;
            }

            var one = JsonSerializer.Deserialize<ErrorActionRecord>(json);
            return one?.Base64OriginalPayload is null ? null : [one];
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
