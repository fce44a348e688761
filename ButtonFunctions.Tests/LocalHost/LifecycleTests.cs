using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using LocalHost;
using LocalHost.Worker;

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

/// <summary>The LocalHost program (tools/LocalHost's build output) as a child process, on a free port.</summary>
internal sealed class LocalHostProgram : IDisposable
{
    private readonly TaskCompletionSource<int> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<string> _output = [];

    private LocalHostProgram(Process process)
    {
        Process = process;
    }

    public Process Process { get; }

    public static LocalHostProgram Start(string appDirectory)
    {
        var dll = Path.Combine(FunctionsLocalHostOptions.FindAppDirectory(Path.Combine("tools", "LocalHost"), configuration: null), "LocalHost.dll");
        var startInfo = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])[dll, "--port", "0", "--app-directory", appDirectory])
        {
            startInfo.ArgumentList.Add(arg);
        }

        var program = new LocalHostProgram(new Process { StartInfo = startInfo });
        program.Process.OutputDataReceived += (_, e) => program.OnLine(e.Data);
        program.Process.ErrorDataReceived += (_, e) => program.OnLine(e.Data);
        program.Process.Start();
        program.Process.BeginOutputReadLine();
        program.Process.BeginErrorReadLine();
        return program;
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Add(line);
        }

        // "LocalHost ready: http://127.0.0.1:<port> (worker pid <pid>)"
        const string marker = "(worker pid ";
        if (line.StartsWith("LocalHost ready: ", StringComparison.Ordinal) && line.IndexOf(marker, StringComparison.Ordinal) is var at and >= 0)
        {
            _ready.TrySetResult(int.Parse(line[(at + marker.Length)..].TrimEnd(')'), CultureInfo.InvariantCulture));
        }
    }

    public async Task<int> WaitUntilReadyAsync()
    {
        var exited = Process.WaitForExitAsync();
        var first = await Task.WhenAny(_ready.Task, exited).WaitAsync(TimeSpan.FromSeconds(60));
        if (first != _ready.Task)
        {
            lock (_output)
            {
                Assert.Fail("LocalHost exited before it was ready:" + Environment.NewLine + string.Join(Environment.NewLine, _output));
            }
        }

        return await _ready.Task;
    }

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
        }

        Process.Dispose();
    }
}

/// <summary>Linux process helpers: liveness from /proc, SIGTERM through libc (procps' kill is not always installed).</summary>
internal static class ProcessTable
{
    private const int SigTerm = 15;

    public static int Terminate(int pid) => Kill(pid, SigTerm);

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    /// <summary>Whether a pid is a live process (a zombie awaiting its reaper counts as gone).</summary>
    public static bool IsRunning(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return false;
        }

        // Format: "pid (comm) state ..."; comm may contain spaces and parentheses, so read after the last ')'.
        var state = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0];
        return state is not ("Z" or "X");
    }
}
