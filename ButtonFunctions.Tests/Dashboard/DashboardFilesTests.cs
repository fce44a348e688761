using ButtonFunctions.Dashboard;

namespace ButtonFunctions.Tests.Dashboard;

/// <summary>The dashboard's file table: exact names only, SPA fallback for app addresses, nothing outside.</summary>
public sealed class DashboardFilesTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("dashboard-files-").FullName;
    private readonly DashboardFiles _files;

    public DashboardFilesTests()
    {
        var site = Directory.CreateDirectory(Path.Combine(_root, "dashboard")).FullName;
        Directory.CreateDirectory(Path.Combine(site, "assets"));
        File.WriteAllText(Path.Combine(site, "index.html"), "<!doctype html><title>dashboard</title>");
        File.WriteAllText(Path.Combine(site, "assets", "index-AbC123.js"), new string('x', 4096));
        File.WriteAllText(Path.Combine(site, "assets", "index-AbC123.css"), "body{}");
        File.WriteAllText(Path.Combine(site, "notes.unknownext"), "never served");
        File.WriteAllText(Path.Combine(_root, "secret.json"), "{\"secret\":true}");
        _files = DashboardFiles.Load(site);
    }

    [Theory]
    [InlineData(null, "index.html")]
    [InlineData("", "index.html")]
    [InlineData("index.html", "index.html")]
    [InlineData("assets/index-AbC123.js", "assets/index-AbC123.js")]
    [InlineData("devices/kitchen", "index.html")]   // an address of the app: the app handles it
    [InlineData("devices/", "index.html")]
    [InlineData("/etc/passwd", "index.html")]       // only ever a name in the table, never the file system's
    public void Finds_files_by_exact_name_and_falls_back_to_the_app(string? path, string expected) =>
        Assert.Equal(expected, _files.Find(path)?.Path);

    [Theory]
    [InlineData("../secret.json")]
    [InlineData("..")]
    [InlineData("assets/../../secret.json")]
    [InlineData("assets/..%2f..%2fsecret.json")]
    [InlineData("%2e%2e/secret.json")]
    [InlineData("assets\\..\\..\\secret.json")]
    [InlineData("ASSETS/index-abc123.js")]          // names are case-sensitive, like the build's
    [InlineData("notes.unknownext")]                 // not a type the dashboard ships
    [InlineData("assets/missing-123.js")]
    public void Nothing_else_is_found(string path) => Assert.Null(_files.Find(path));

    [Fact]
    public void Content_types_cache_policy_and_compression_follow_the_file()
    {
        var script = _files.Find("assets/index-AbC123.js")!;
        Assert.Equal("text/javascript; charset=utf-8", script.ContentType);
        Assert.True(script.Immutable);
        Assert.NotNull(script.Gzip);
        Assert.True(script.Gzip.Length < script.Content.Length);

        var index = _files.Find("")!;
        Assert.Equal("text/html; charset=utf-8", index.ContentType);
        Assert.False(index.Immutable);
        Assert.Null(index.Gzip); // too small to be worth it

        Assert.Equal("text/css; charset=utf-8", _files.Find("assets/index-AbC123.css")!.ContentType);
        Assert.NotEqual(script.ETag, index.ETag);
    }

    [Fact]
    public void A_build_without_the_dashboard_says_so()
    {
        var empty = DashboardFiles.Load(Path.Combine(_root, "does-not-exist"));
        Assert.False(empty.IsBuilt);
        Assert.Null(empty.Find(""));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
