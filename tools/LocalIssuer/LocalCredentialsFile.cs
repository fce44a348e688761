using System.Text.Json;
using System.Text.Json.Serialization;

namespace LocalIssuer;

/// <summary>
/// What a local run publishes for the button simulator (and curl users): where to send clicks and how to get a
/// token from this run's issuer. One file per run, named after the run's own port, so two runs never overwrite
/// each other; readable by the user only; removed on exit by the run that wrote it, and only if it still holds
/// that run's content. The simulator picks the file of a live process (<see cref="ProcessId"/>).
/// </summary>
public sealed record LocalCredentials(
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("url")] string Url,
    [property: JsonPropertyName("authority")] string Authority,
    [property: JsonPropertyName("audience")] string Audience,
    [property: JsonPropertyName("clientId")] string ClientId,
    [property: JsonPropertyName("clientSecret")] string ClientSecret,
    [property: JsonPropertyName("pid")] int ProcessId);

/// <summary>Writes and removes one <see cref="LocalCredentials"/> file.</summary>
public sealed class LocalCredentialsFile
{
    private readonly LocalCredentials _content;

    private LocalCredentialsFile(string path, LocalCredentials content)
    {
        Path = path;
        _content = content;
    }

    /// <summary>The file written, e.g. <c>.localhost/localhost-7071.json</c>.</summary>
    public string Path { get; }

    /// <summary>Writes <paramref name="fileName"/> in <paramref name="directory"/> (created when missing) with mode 0600.</summary>
    public static LocalCredentialsFile Write(string directory, string fileName, LocalCredentials content)
    {
        Directory.CreateDirectory(directory);
        var path = System.IO.Path.Combine(directory, fileName);
        var temporary = path + "." + Environment.ProcessId + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        // Written aside and renamed: a reader never sees half a file.
        using (var stream = new FileStream(temporary, options))
        {
            JsonSerializer.Serialize(stream, content);
        }

        File.Move(temporary, path, overwrite: true);
        return new LocalCredentialsFile(path, content);
    }

    /// <summary>The conventional file name of a run of <paramref name="kind"/> on <paramref name="port"/>.</summary>
    public static string NameFor(string kind, int port) => $"{kind.ToLowerInvariant()}-{port}.json";

    /// <summary>Removes the file if it is still this run's (a later run on the same port may have replaced it).</summary>
    public void Remove()
    {
        try
        {
            var current = JsonSerializer.Deserialize<LocalCredentials>(File.ReadAllText(Path));
            if (current == _content)
            {
                File.Delete(Path);
            }
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            // Gone or unreadable: not ours to remove any more.
        }
    }
}
