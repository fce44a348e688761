using System.Net;
using LocalHost;

namespace ButtonFunctions.Tests.LocalHost;

/// <summary>
/// The worker's settings, as func start builds them: local.settings.json Values, unless the environment already
/// has the variable; then the options' Settings on top.
/// </summary>
[Trait("Category", "Unit")]
public sealed class SettingsTests : IDisposable
{
    private readonly string _appDirectory = Directory.CreateTempSubdirectory("localhost-settings-").FullName;

    public SettingsTests()
    {
        File.WriteAllText(Path.Combine(_appDirectory, "worker.config.json"), """{ "description": { "defaultWorkerPath": "App.dll" } }""");
    }

    [Fact]
    public void Local_settings_values_become_worker_environment_unless_the_environment_has_them()
    {
        File.WriteAllText(Path.Combine(_appDirectory, "local.settings.json"), """
            {
              "IsEncrypted": false,
              "Values": { "FROM_FILE": "file", "PATH": "file must not win over the environment", "A_NUMBER": 42 }
            }
            """);

        var environment = WorkerConfig.Load(_appDirectory).BuildEnvironment(new Dictionary<string, string?>(), out var settingsFile);

        Assert.Equal(Path.Combine(_appDirectory, "local.settings.json"), settingsFile);
        Assert.Equal("file", environment["FROM_FILE"]);
        Assert.Equal("42", environment["A_NUMBER"]);
        Assert.False(environment.ContainsKey("PATH"), "an environment variable must win over local.settings.json");
        Assert.Equal(_appDirectory, environment["FUNCTIONS_APPLICATION_DIRECTORY"]);
    }

    [Fact]
    public void Option_settings_override_local_settings_and_null_removes_a_variable()
    {
        File.WriteAllText(Path.Combine(_appDirectory, "local.settings.json"), """{ "Values": { "SHARED": "file" } }""");

        var environment = WorkerConfig.Load(_appDirectory).BuildEnvironment(
            new Dictionary<string, string?> { ["SHARED"] = "options", ["HOME"] = null }, out _);

        Assert.Equal("options", environment["SHARED"]);
        Assert.True(environment.TryGetValue("HOME", out var home) && home is null);
    }

    [Theory]
    [InlineData("""{ "version": "2.0" }""", "api")]
    [InlineData("""{ "extensions": { "http": { "routePrefix": "" } } }""", "")]
    [InlineData("{ // comments are allowed in host.json\n \"extensions\": { \"http\": { \"routePrefix\": \"/v1/\" } } }", "v1")]
    public void Route_prefix_comes_from_host_json(string hostJson, string expected)
    {
        File.WriteAllText(Path.Combine(_appDirectory, "host.json"), hostJson);

        Assert.Equal(expected, WorkerConfig.Load(_appDirectory).RoutePrefix);
    }

    [Fact]
    public void Missing_worker_config_names_the_file_and_the_option()
    {
        var options = new FunctionsLocalHostOptions { AppDirectory = Path.Combine(_appDirectory, "nowhere") };

        var error = Assert.Throws<InvalidOperationException>(options.Validate);

        Assert.Contains("AppDirectory", error.Message, StringComparison.Ordinal);
        Assert.Contains("worker.config.json", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Option_settings_reach_the_worker_process()
    {
        var options = new FunctionsLocalHostOptions { AppDirectory = TestAppHostFixture.TestAppDirectory, Port = 0 };
        options.Settings["LOCALHOST_TEST_SETTING"] = "from options";

        await using var host = await FunctionsLocalHost.StartAsync(options);
        using var client = new HttpClient { BaseAddress = host.BaseAddress };

        Assert.Equal("from options", await client.GetStringAsync(new Uri("test/setting/LOCALHOST_TEST_SETTING", UriKind.Relative)));
        using var unset = await client.GetAsync(new Uri("test/setting/LOCALHOST_UNSET_SETTING", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, unset.StatusCode);
    }

    public void Dispose() => Directory.Delete(_appDirectory, recursive: true);
}
