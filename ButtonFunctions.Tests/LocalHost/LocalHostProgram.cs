using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using LocalHost;

namespace ButtonFunctions.Tests.LocalHost;

/// <summary>
/// The LocalHost program (tools/LocalHost's build output) as a child process, as tests must run it: on a free port,
/// with LocalIssuer on a free port, and its credentials file in a temporary directory of its own — never the
/// repository's .localhost/, where a developer's running LocalHost keeps its credentials.
/// </summary>
internal sealed class LocalHostProgram : IDisposable
{
    private readonly TaskCompletionSource<int> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<string> _output = [];

    private readonly bool _ownsCredentialsDirectory;

    private LocalHostProgram(Process process, string credentialsDirectory, bool ownsCredentialsDirectory)
    {
        Process = process;
        CredentialsDirectory = credentialsDirectory;
        _ownsCredentialsDirectory = ownsCredentialsDirectory;
    }

    public Process Process { get; }

    /// <summary>The directory this run writes its credentials file into (a temporary one of its own unless given; deleted on dispose then).</summary>
    public string CredentialsDirectory { get; }

    /// <summary>The front end's address, from the ready line.</summary>
    public Uri? BaseAddress { get; private set; }

    /// <summary>Every line the program wrote to stdout or stderr so far.</summary>
    public IReadOnlyList<string> Output
    {
        get
        {
            lock (_output)
            {
                return [.. _output];
            }
        }
    }

    /// <param name="port">The front end's port (0 = any free one).</param>
    /// <param name="credentialsDirectory">A directory shared with other runs of the test; by default a temporary one of this run's own.</param>
    /// <param name="arguments">More command-line options (e.g. <c>--metrics-summary 1</c>).</param>
    public static LocalHostProgram Start(string appDirectory, int port = 0, string? credentialsDirectory = null, IEnumerable<string>? arguments = null)
    {
        var owns = credentialsDirectory is null;
        credentialsDirectory ??= Directory.CreateTempSubdirectory("localhost-credentials-").FullName;
        var dll = Path.Combine(FunctionsLocalHostOptions.FindAppDirectory(Path.Combine("tools", "LocalHost"), configuration: null), "LocalHost.dll");
        var startInfo = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])[dll, "--port", port.ToString(CultureInfo.InvariantCulture), "--issuer-port", "0", "--credentials-dir", credentialsDirectory, "--app-directory", appDirectory])
        {
            startInfo.ArgumentList.Add(arg);
        }

        foreach (var arg in arguments ?? [])
        {
            startInfo.ArgumentList.Add(arg);
        }

        var program = new LocalHostProgram(new Process { StartInfo = startInfo }, credentialsDirectory, owns);
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
            BaseAddress = new Uri(line["LocalHost ready: ".Length..at].Trim() + "/");
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
        if (_ownsCredentialsDirectory)
        {
            Directory.Delete(CredentialsDirectory, recursive: true);
        }
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
