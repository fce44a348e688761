using System.Diagnostics;

namespace ButtonFunctions.Tests.Simulator;

/// <summary>What a simulator process printed and how it exited.</summary>
internal sealed record SimulatorResult(int ExitCode, string Stdout, string Stderr)
{
    public string[] StderrLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

/// <summary>
/// Runs the real ButtonSimulator program (its build output sits next to the tests) with stdout and stderr
/// redirected, in a folder of the test's own, with no BUTTONS_* variables and a credentials file that does not
/// exist, so nothing from a developer's running LocalHost leaks in.
/// </summary>
internal sealed class SimulatorProcess : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(2);

    /// <summary>Resets SIGINT to its default, unblocks every signal, then execs the rest of its arguments (same pid).</summary>
    private const string SignalResetWrapper =
        "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); signal.pthread_sigmask(signal.SIG_SETMASK, []); os.execvp(sys.argv[1], sys.argv[1:])";
    private readonly Process _process;
    private readonly Task<string> _stdout;
    private readonly Task<string> _stderr;
    private readonly StringWriter _stdoutSoFar = new();
    private readonly StringWriter _stderrSoFar = new();

    private SimulatorProcess(Process process)
    {
        _process = process;
        _stdout = CopyAsync(process.StandardOutput, _stdoutSoFar);
        _stderr = CopyAsync(process.StandardError, _stderrSoFar);
    }

    /// <summary>Reads a stream to its end, keeping what arrived so far readable (for a process that never exits).</summary>
    private static async Task<string> CopyAsync(StreamReader reader, StringWriter soFar)
    {
        var buffer = new char[4096];
        int read;
        while ((read = await reader.ReadAsync(buffer)) > 0)
        {
            lock (soFar)
            {
                soFar.Write(buffer, 0, read);
            }
        }

        lock (soFar)
        {
            return soFar.ToString();
        }
    }

    /// <summary>The Sig* lines of /proc/&lt;pid&gt;/status (pending, blocked, ignored, caught), or why not.</summary>
    private string SignalState()
    {
        try
        {
            return string.Join('\n', File.ReadLines($"/proc/{_process.Id}/status").Where(l => l.StartsWith("Sig", StringComparison.Ordinal) || l.StartsWith("ShdPnd", StringComparison.Ordinal)));
        }
        catch (IOException e)
        {
            return e.Message;
        }
    }

    private static string SoFar(StringWriter writer)
    {
        lock (writer)
        {
            return writer.ToString();
        }
    }

    public int Id => _process.Id;

    public static SimulatorProcess Start(string workingDirectory, IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null)
    {
        // Through a tiny exec wrapper that gives the simulator SIGINT as a terminal would (default disposition,
        // unblocked): a process inherits ignored and blocked signals, and under the full suite in CI the simulator
        // twice never saw the test's SIGINT at all (no "stopping" line; it ran on to the deadline).
        var start = new ProcessStartInfo("python3")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(SignalResetWrapper);
        start.ArgumentList.Add(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ButtonSimulator.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("BUTTONS_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["BUTTONS_CREDENTIALS_FILE"] = Path.Combine(workingDirectory, "no-such-credentials.json");
        start.Environment["TERM"] = "dumb";
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[key] = value;
        }

        return new SimulatorProcess(Process.Start(start)!);
    }

    public static async Task<SimulatorResult> RunAsync(string workingDirectory, IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null)
    {
        using var process = Start(workingDirectory, args, environment);
        return await process.WaitAsync();
    }

    /// <summary>Sends SIGINT, what Ctrl+C sends.</summary>
    public async Task InterruptAsync()
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-INT", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
        await kill.WaitForExitAsync();
        Assert.Equal(0, kill.ExitCode);
    }

    public async Task<SimulatorResult> WaitAsync()
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(Deadline);
        }
        catch (TimeoutException e)
        {
            var signals = SignalState();
            _process.Kill(entireProcessTree: true);
            // What it printed is the only clue to why it did not stop.
            throw new TimeoutException(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"the simulator did not exit within {Deadline.TotalSeconds:0} s\n--- its signal state\n{signals}\n--- stdout so far\n{SoFar(_stdoutSoFar)}\n--- stderr so far\n{SoFar(_stderrSoFar)}"), e);
        }

        return new SimulatorResult(_process.ExitCode, await _stdout, await _stderr);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }
}
