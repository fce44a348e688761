using System.Diagnostics;

namespace ButtonFunctions.Tests.Infra;

/// <summary>Runs CI's judge of Bicep output (.ci/bicep-diagnostics.sh), the script .ci/run pipes build and lint output into.</summary>
internal static class BicepDiagnostics
{
    public static CiVerdict Judge(string repositoryRoot, string diagnostics)
    {
        var start = new ProcessStartInfo("bash")
        {
            WorkingDirectory = repositoryRoot,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(repositoryRoot, ".ci", "bicep-diagnostics.sh"));
        using var process = Process.Start(start) ?? throw new InvalidOperationException("bash did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(diagnostics);
        process.StandardInput.Close();
        if (!process.WaitForExit(TimeSpan.FromMinutes(1)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException(".ci/bicep-diagnostics.sh did not finish");
        }

        return new CiVerdict(process.ExitCode == 0, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }
}

/// <param name="Reported">What CI prints and lets pass (use-recent-api-versions warnings) and its summary line.</param>
/// <param name="Refused">The diagnostics that fail CI.</param>
internal sealed record CiVerdict(bool Passed, string Reported, string Refused);
