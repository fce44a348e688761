using System.Collections.Frozen;
using System.IO.Compression;
using System.Security.Cryptography;
using Microsoft.AspNetCore.StaticFiles;

namespace ButtonFunctions.Dashboard;

/// <summary>One built file of the dashboard, held in memory with what the response needs.</summary>
internal sealed record DashboardFile(string Path, string ContentType, byte[] Content, byte[]? Gzip, string ETag, bool Immutable);

/// <summary>
/// The dashboard's built files (<c>dashboard/</c> in the app's output, from <c>Dashboard/web/dist</c>), read once
/// into memory. A request names a key of this table or nothing: the request path is never joined to a file system
/// path, so no <c>..</c>, encoded slash or symbolic link can reach any other file.
/// </summary>
internal sealed class DashboardFiles
{
    public const string IndexPath = "index.html";

    /// <summary>Vite names built assets <c>assets/&lt;name&gt;-&lt;content hash&gt;.&lt;ext&gt;</c>: a changed file gets a new name.</summary>
    private const string HashedAssetsFolder = "assets/";

    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    private static readonly HashSet<string> Compressible = new(StringComparer.OrdinalIgnoreCase)
    {
        "text/html", "text/css", "text/javascript", "application/javascript", "application/json", "image/svg+xml",
    };

    private readonly FrozenDictionary<string, DashboardFile> _files;

    private DashboardFiles(FrozenDictionary<string, DashboardFile> files, string directory)
    {
        _files = files;
        Directory = directory;
    }

    /// <summary>Where the files were read from (for the log line when the build left them out).</summary>
    public string Directory { get; }

    /// <summary>False when the app was built without the dashboard (no <c>index.html</c>).</summary>
    public bool IsBuilt => _files.ContainsKey(IndexPath);

    public int Count => _files.Count;

    /// <summary>The files of the app's own build output.</summary>
    public static DashboardFiles FromAppDirectory() => Load(Path.Combine(AppContext.BaseDirectory, "dashboard"));

    public static DashboardFiles Load(string directory)
    {
        var files = new Dictionary<string, DashboardFile>(StringComparer.Ordinal);
        if (System.IO.Directory.Exists(directory))
        {
            var root = Path.GetFullPath(directory);
            foreach (var full in System.IO.Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(root, full).Replace('\\', '/');
                if (!ContentTypes.TryGetContentType(relative, out var contentType))
                {
                    continue; // not a kind of file the dashboard ships: never served
                }

                if (contentType.StartsWith("text/", StringComparison.Ordinal) || contentType is "application/javascript" or "application/json")
                {
                    contentType += "; charset=utf-8";
                }

                var content = File.ReadAllBytes(full);
                var gzip = Compressible.Contains(contentType.Split(';')[0]) && content.Length > 1024 ? Compress(content) : null;
                var etag = "\"" + Convert.ToHexStringLower(SHA256.HashData(content))[..32] + "\"";
                files[relative] = new DashboardFile(relative, contentType, content, gzip, etag,
                    Immutable: relative.StartsWith(HashedAssetsFolder, StringComparison.Ordinal));
            }
        }

        return new DashboardFiles(files.ToFrozenDictionary(StringComparer.Ordinal), directory);
    }

    /// <summary>
    /// The file for a request path below <c>/dashboard/</c>: an exact match, else <c>index.html</c> for an
    /// address of the app itself (no file extension, so the single-page app's own routes reload), else nothing.
    /// </summary>
    public DashboardFile? Find(string? path)
    {
        var key = (path ?? "").TrimStart('/');
        if (key.Length == 0)
        {
            return _files.GetValueOrDefault(IndexPath);
        }

        if (_files.TryGetValue(key, out var file))
        {
            return file;
        }

        var lastSegment = key[(key.LastIndexOf('/') + 1)..];
        return lastSegment.Contains('.', StringComparison.Ordinal) ? null : _files.GetValueOrDefault(IndexPath);
    }

    private static byte[] Compress(byte[] content)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            gzip.Write(content);
        }

        return buffer.ToArray();
    }
}
