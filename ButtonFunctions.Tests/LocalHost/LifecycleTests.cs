using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Net;
using System.Runtime.InteropServices;
using LocalHost;
using LocalHost.Worker;
using ButtonFunctions.Tests.Support;

namespace ButtonFunctions.Tests.LocalHost;

/// <summary>LocalHost never leaves a worker behind, and copes with a worker that dies.</summary>
public sealed class LifecycleTests
{
    private static FunctionsLocalHostOptions TestAppOptions(int maxRestarts = 3) => new()
    {
        AppDirectory = TestAppHostFixture.TestAppDirectory,
        Port = 0,
        MaxRestarts = maxRestarts,
    };

    [Fact]
    public async Task Disposing_LocalHost_leaves_no_worker_process_behind()
    {
        var host = await FunctionsLocalHost.StartAsync(TestAppOptions());
        var workerPid = host.WorkerProcessId;
        Assert.True(ProcessTable.IsRunning(workerPid), "the worker should be running while LocalHost is");

        await host.DisposeAsync();

        Assert.False(ProcessTable.IsRunning(workerPid), $"worker pid {workerPid} is still running after DisposeAsync");
    }

    [Fact]
    public async Task Killed_worker_is_restarted_and_serves_again()
    {
        await using var host = await FunctionsLocalHost.StartAsync(TestAppOptions());
        using var client = new HttpClient { BaseAddress = host.BaseAddress };
        var firstPid = host.WorkerProcessId;

        using (var worker = Process.GetProcessById(firstPid))
        {
            worker.Kill();
        }

        await Eventually.TrueAsync(() => host.WorkerProcessId is not 0 && host.WorkerProcessId != firstPid, TimeSpan.FromSeconds(30),
            "the worker was not restarted");
        using var response = await client.GetAsync(new Uri("test/any", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(ProcessTable.IsRunning(firstPid));
    }

    [Fact]
    public async Task Worker_that_keeps_dying_stops_LocalHost_with_a_clear_error()
    {
        await using var host = await FunctionsLocalHost.StartAsync(TestAppOptions(maxRestarts: 0));
        using var client = new HttpClient { BaseAddress = host.BaseAddress };

        using (var worker = Process.GetProcessById(host.WorkerProcessId))
        {
            worker.Kill();
        }

        var error = await Assert.ThrowsAsync<WorkerUnavailableException>(() => host.Completion.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("exited unexpectedly", error.Message, StringComparison.Ordinal);
        using var response = await client.GetAsync(new Uri("test/any", UriKind.Relative));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Killing_the_LocalHost_process_takes_its_worker_down()
    {
        using var program = LocalHostProgram.Start(TestAppHostFixture.TestAppDirectory);
        var workerPid = await program.WaitUntilReadyAsync();

        program.Process.Kill(); // SIGKILL: LocalHost gets no chance to clean up; the kernel must.

        await Eventually.TrueAsync(() => !ProcessTable.IsRunning(workerPid), TimeSpan.FromSeconds(10),
            $"worker pid {workerPid} outlived its killed LocalHost");
    }

    [Fact]
    public async Task Terminating_the_LocalHost_program_stops_its_worker_and_exits_cleanly()
    {
        using var program = LocalHostProgram.Start(TestAppHostFixture.TestAppDirectory);
        var workerPid = await program.WaitUntilReadyAsync();

        Assert.Equal(0, ProcessTable.Terminate(program.Process.Id));

        await program.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, program.Process.ExitCode);
        Assert.False(ProcessTable.IsRunning(workerPid), $"worker pid {workerPid} outlived LocalHost's SIGTERM");
    }
}

/// <summary>Tests that run LocalHost never touch the credentials of a LocalHost a developer is running.</summary>
public sealed class CredentialsIsolationTests
{
    [Fact]
    public async Task Running_LocalHost_as_the_tests_do_leaves_the_repositorys_credentials_directory_untouched()
    {
        var repositoryCredentials = Path.Combine(FunctionsLocalHostOptions.FindRepositoryRoot(), ".localhost");
        var before = Snapshot(repositoryCredentials);

        using (var program = LocalHostProgram.Start(TestAppHostFixture.TestAppDirectory))
        {
            await program.WaitUntilReadyAsync();

            Assert.Single(Directory.GetFiles(program.CredentialsDirectory, "localhost-*.json"));
            Assert.Equal(before, Snapshot(repositoryCredentials));

            Assert.Equal(0, ProcessTable.Terminate(program.Process.Id));
            await program.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Empty(Directory.GetFiles(program.CredentialsDirectory));
        }

        Assert.Equal(before, Snapshot(repositoryCredentials));
    }

    /// <summary>Every file below the directory with its content and last write time (empty when it does not exist).</summary>
    private static List<string> Snapshot(string directory) => Directory.Exists(directory)
        ? [.. Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(f => $"{f} {File.GetLastWriteTimeUtc(f):O} {Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f)))}")]
        : [];
}

/// <summary>Each LocalHost run owns its credentials file: two runs never overwrite or delete each other's.</summary>
public sealed class CredentialsOwnershipTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("shared-credentials-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Two_LocalHosts_keep_their_own_files_and_stopping_one_leaves_the_other_intact()
    {
        using var first = LocalHostProgram.Start(TestAppHostFixture.TestAppDirectory, credentialsDirectory: _directory);
        using var second = LocalHostProgram.Start(TestAppHostFixture.TestAppDirectory, credentialsDirectory: _directory);
        await first.WaitUntilReadyAsync();
        await second.WaitUntilReadyAsync();
        var firstFile = Path.Combine(_directory, $"localhost-{first.BaseAddress!.Port}.json");
        var firstContent = await File.ReadAllTextAsync(firstFile);
        Assert.Equal(2, Directory.GetFiles(_directory, "localhost-*.json").Length);

        Assert.Equal(0, ProcessTable.Terminate(second.Process.Id));
        await second.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal([firstFile], Directory.GetFiles(_directory, "localhost-*.json"));
        Assert.Equal(firstContent, await File.ReadAllTextAsync(firstFile));
    }

    [Fact]
    public async Task With_port_0_the_file_records_the_real_url_and_owner()
    {
        using var program = LocalHostProgram.Start(TestAppHostFixture.TestAppDirectory, credentialsDirectory: _directory);
        await program.WaitUntilReadyAsync();

        using var file = JsonDocument.Parse(await File.ReadAllTextAsync(Assert.Single(Directory.GetFiles(_directory, "localhost-*.json"))));
        Assert.Equal(new Uri(program.BaseAddress!, "api/clicks").AbsoluteUri, file.RootElement.GetProperty("url").GetString());
        Assert.Equal(program.Process.Id, file.RootElement.GetProperty("pid").GetInt32());
        Assert.StartsWith("http://127.0.0.1:", file.RootElement.GetProperty("authority").GetString(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(file.RootElement.GetProperty("clientSecret").GetString()));
    }

    [Fact]
    public async Task A_second_LocalHost_on_a_busy_port_fails_with_one_clear_line_and_touches_nothing()
    {
        using var first = LocalHostProgram.Start(TestAppHostFixture.TestAppDirectory, credentialsDirectory: _directory);
        await first.WaitUntilReadyAsync();
        var before = Directory.GetFiles(_directory).ToDictionary(f => f, File.ReadAllText);

        using var second = LocalHostProgram.Start(TestAppHostFixture.TestAppDirectory, port: first.BaseAddress!.Port, credentialsDirectory: _directory);
        await second.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(1, second.Process.ExitCode);
        var line = Assert.Single(second.Output, l => l.Length > 0);
        Assert.Contains($"port {first.BaseAddress.Port} on 127.0.0.1 is already in use", line, StringComparison.Ordinal);
        Assert.Equal(before, Directory.GetFiles(_directory).ToDictionary(f => f, File.ReadAllText));
    }
}
