using System.Diagnostics;
using ButtonFunctions.Tests.Simulator;

namespace ButtonFunctions.Tests.Aws;

/// <summary>
/// The token refresher Lambda is JavaScript (README, "Connect AWS IoT", says why); its node:test suite runs here so that
/// the README's one test command covers it too.
/// </summary>
public sealed class TokenRefresherTests
{
    [Fact]
    public async Task Token_refresher_node_test_suite_passes()
    {
        var suite = RepoFiles.Find(Path.Combine("aws", "token-refresher", "index.test.mjs"));
        var start = new ProcessStartInfo("node", ["--test", suite])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(suite)!,
        };

        using var node = Process.Start(start)!;
        var output = node.StandardOutput.ReadToEndAsync();
        var errors = node.StandardError.ReadToEndAsync();
        await node.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));

        var report = await output + await errors;
        Assert.True(node.ExitCode == 0, report);
        Assert.Matches(@"(?m)^# pass [1-9]\d*$", report);
        Assert.Matches(@"(?m)^# fail 0$", report);
    }
}
