using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace LocalHost.Worker;

/// <summary>
/// The worker OS process. On Linux it is launched through <c>setpriv --pdeathsig KILL</c> and <c>setsid</c>:
/// the kernel kills the worker when LocalHost dies, however it dies (SIGKILL included), and the worker sits in
/// its own session so a terminal's Ctrl+C reaches only LocalHost, which then stops the worker in order.
/// Without that, a worker outlives a crashed host: it ignores the end of its gRPC stream and keeps serving.
/// </summary>
internal sealed partial class WorkerProcess : IDisposable
{
    private const int OutputLinesKept = 40;

    private readonly Process _process;
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Queue<string> _recentOutput = new();
    private readonly ILogger _logger;

    private WorkerProcess(Process process, ILogger logger)
    {
        _process = process;
        _logger = logger;
    }

    public int Id { get; private set; }

    /// <summary>Completes with the exit code when the process has exited.</summary>
    public Task<int> Exited => _exited.Task;

    /// <summary>True when the kernel will kill the worker if LocalHost dies.</summary>
    public bool DiesWithHost { get; private set; }

    /// <summary>The last lines the worker wrote to stdout/stderr (it normally writes none: logs travel as RpcLog).</summary>
    public string RecentOutput
    {
        get
        {
            lock (_recentOutput)
            {
                return string.Join(Environment.NewLine, _recentOutput);
            }
        }
    }

    public static async Task<WorkerProcess> StartAsync(
        WorkerConfig config, IReadOnlyList<string> workerArguments, IReadOnlyDictionary<string, string?> environment, ILogger logger)
    {
        var startInfo = new ProcessStartInfo
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = config.AppDirectory,
        };

        var executable = ResolveExecutable(config.ExecutablePath);
        var setpriv = OperatingSystem.IsLinux() ? FindOnPath("setpriv") : null;
        var setsid = OperatingSystem.IsLinux() ? FindOnPath("setsid") : null;
        var diesWithHost = setpriv is not null && setsid is not null;
        if (diesWithHost)
        {
            startInfo.FileName = setpriv!;
            foreach (var arg in (string[])["--pdeathsig", "KILL", "--", setsid!, "--", executable])
            {
                startInfo.ArgumentList.Add(arg);
            }
        }
        else
        {
            startInfo.FileName = executable;
            LogNoParentDeathSignal(logger);
        }

        startInfo.ArgumentList.Add(config.WorkerPath);
        foreach (var arg in workerArguments)
        {
            startInfo.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment)
        {
            if (value is null)
            {
                startInfo.Environment.Remove(key);
            }
            else
            {
                startInfo.Environment[key] = value;
            }
        }

        var worker = new WorkerProcess(new Process { StartInfo = startInfo }, logger) { DiesWithHost = diesWithHost };
        await worker.LaunchAsync().ConfigureAwait(false);
        return worker;
    }

    // PR_SET_PDEATHSIG fires when the *thread* that forked the child ends, not only the process. So the child is
    // forked from a dedicated thread that lives exactly as long as the child (it waits for its exit).
    private Task LaunchAsync()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                _process.OutputDataReceived += (_, e) => Remember(e.Data, isError: false);
                _process.ErrorDataReceived += (_, e) => Remember(e.Data, isError: true);
                _process.Start();
                Id = _process.Id;
                _process.BeginOutputReadLine();
                _process.BeginErrorReadLine();
            }
            catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
            {
                started.SetException(new InvalidOperationException($"Could not start the worker '{_process.StartInfo.FileName}': {ex.Message}", ex));
                return;
            }

            started.SetResult();
            _process.WaitForExit();
            _exited.SetResult(_process.ExitCode);
        })
        {
            IsBackground = true,
            Name = "LocalHost worker",
        };
        thread.Start();
        return started.Task;
    }

    private void Remember(string? line, bool isError)
    {
        if (line is null)
        {
            return;
        }

        lock (_recentOutput)
        {
            _recentOutput.Enqueue(line);
            if (_recentOutput.Count > OutputLinesKept)
            {
                _recentOutput.Dequeue();
            }
        }

        if (isError)
        {
            LogWorkerStderr(_logger, line);
        }
        else
        {
            LogWorkerStdout(_logger, line);
        }
    }

    /// <summary>Kills the worker and its children at once.</summary>
    public void Kill()
    {
        try
        {
            if (!_exited.Task.IsCompleted)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already exited between the check and the kill.
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    /// <summary>
    /// "dotnet" means the .NET host that runs us when we run under it (dotnet run/test set DOTNET_HOST_PATH),
    /// so the worker runs on the same runtime installation; otherwise the one on PATH.
    /// </summary>
    private static string ResolveExecutable(string executable)
    {
        if (!string.Equals(executable, "dotnet", StringComparison.OrdinalIgnoreCase))
        {
            return executable;
        }

        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } hostPath && File.Exists(hostPath))
        {
            return hostPath;
        }

        if (Environment.ProcessPath is { } self
            && Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            return self;
        }

        return FindOnPath("dotnet") ?? executable;
    }

    private static string? FindOnPath(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Warning,
        Message = "setpriv/setsid not found: if LocalHost is killed, the worker process may be left running")]
    private static partial void LogNoParentDeathSignal(ILogger logger);

    [LoggerMessage(EventId = 11, Level = LogLevel.Information, Message = "worker stdout: {Line}")]
    private static partial void LogWorkerStdout(ILogger logger, string line);

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning, Message = "worker stderr: {Line}")]
    private static partial void LogWorkerStderr(ILogger logger, string line);
}
