using System.Diagnostics;
using System.Reflection;

namespace ButtonFunctions.Tests.Infra;

/// <summary>Runs the Bicep CLI that restore downloaded (NuGet package Azure.Bicep.CommandLine.linux-x64).</summary>
internal static class BicepCli
{
    private const string PackageId = "azure.bicep.commandline.linux-x64";
    private const string Version = "0.49.2";
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    public static string Locate()
    {
        // The build records where restore put packages (it honours NUGET_PACKAGES); the environment
        // fallbacks cover a test assembly built elsewhere.
        var candidates = new[]
        {
            typeof(BicepCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .FirstOrDefault(a => a.Key == "NuGetPackageRoot")?.Value,
            Environment.GetEnvironmentVariable("NUGET_PACKAGES"),
            Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages"),
        };
        foreach (var root in candidates.Where(c => !string.IsNullOrWhiteSpace(c)))
        {
            var path = Path.Combine(root!, PackageId, Version, "tools", "bicep");
            if (File.Exists(path))
            {
                EnsureExecutable(path);
                return path;
            }
        }

        throw new FileNotFoundException(
            $"Bicep CLI {Version} not found under the NuGet package folders ({string.Join(", ", candidates)}); run `dotnet restore ButtonFunctions.Tests`.");
    }

    public static BicepResult Run(string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo(Locate())
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("bicep did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"bicep {string.Join(' ', arguments)} ran longer than {Timeout}");
        }

        return new BicepResult(process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }

    private static void EnsureExecutable(string path)
    {
        // NuGet extracts the binary without the execute bit.
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var mode = File.GetUnixFileMode(path);
        const UnixFileMode execute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        if ((mode & UnixFileMode.UserExecute) == 0)
        {
            File.SetUnixFileMode(path, mode | execute);
        }
    }
}

internal sealed record BicepResult(int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>Bicep exits 0 on warnings and prints them; with file output, any text at all is a diagnostic.</summary>
    public bool IsClean => ExitCode == 0 && string.IsNullOrWhiteSpace(StandardError) && string.IsNullOrWhiteSpace(StandardOutput);

    public override string ToString() => $"exit {ExitCode}\n{StandardOutput}{StandardError}";
}
