namespace ButtonFunctions.Tests.Infra;

/// <summary>
/// CI's Bicep check, fed by the real linter on altered copies of infra/: a stale API version is reported but passes
/// (that rule depends on the date, not the code); any error, or a warning of any other rule, fails.
/// </summary>
[Collection(BicepTemplateGroup.Name)]
public sealed class CiBicepCheckTests(BicepTemplateFixture template) : IDisposable
{
    private readonly string _copies = Directory.CreateTempSubdirectory("ci-bicep-").FullName;

    public void Dispose() => Directory.Delete(_copies, recursive: true);

    /// <summary>Lints a copy of infra/ changed by <paramref name="change"/> (paths relative to infra/).</summary>
    private BicepResult LintCopy(Action<string> change)
    {
        var copy = Path.Combine(_copies, Guid.NewGuid().ToString("N")[..8]);
        foreach (var file in Directory.GetFiles(template.InfraDirectory, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(copy, Path.GetRelativePath(template.InfraDirectory, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        change(copy);
        return BicepCli.Run(copy, "lint", "main.bicep");
    }

    private static void Replace(string path, string oldText, string newText)
    {
        var text = File.ReadAllText(path);
        Assert.Contains(oldText, text, StringComparison.Ordinal);
        File.WriteAllText(path, text.Replace(oldText, newText, StringComparison.Ordinal));
    }

    private static string ResourceGroupApiVersion(string mainBicep) =>
        System.Text.RegularExpressions.Regex.Match(File.ReadAllText(mainBicep), "'Microsoft.Resources/resourceGroups@([0-9-]+)'").Groups[1].Value;

    [Fact]
    public void A_stale_api_version_is_printed_as_a_warning_and_does_not_fail_CI()
    {
        var lint = LintCopy(copy =>
        {
            var main = Path.Combine(copy, "main.bicep");
            Replace(main, $"'Microsoft.Resources/resourceGroups@{ResourceGroupApiVersion(main)}'", "'Microsoft.Resources/resourceGroups@2021-04-01'");
        });

        Assert.Equal(0, lint.ExitCode);
        Assert.Contains("Warning use-recent-api-versions:", lint.StandardError + lint.StandardOutput, StringComparison.Ordinal);
        var ci = BicepDiagnostics.Judge(template.RepositoryRoot, lint.StandardOutput + lint.StandardError);
        Assert.True(ci.Passed, ci.Refused);
        Assert.Contains("Microsoft.Resources/resourceGroups", ci.Reported, StringComparison.Ordinal);
        Assert.Contains("1 use-recent-api-versions warning(s) reported, 0 other diagnostic(s)", ci.Reported, StringComparison.Ordinal);
    }

    [Fact]
    public void A_linter_error_fails_CI()
    {
        var lint = LintCopy(copy => Replace(Path.Combine(copy, "main.bicep"), "var mongoSecretName =", "var neverUsed = 'x'\nvar mongoSecretName ="));

        Assert.NotEqual(0, lint.ExitCode);
        var ci = BicepDiagnostics.Judge(template.RepositoryRoot, lint.StandardOutput + lint.StandardError);
        Assert.False(ci.Passed);
        Assert.Contains("Error no-unused-vars:", ci.Refused, StringComparison.Ordinal);
    }

    [Fact]
    public void A_warning_of_any_other_rule_fails_CI()
    {
        var lint = LintCopy(copy =>
        {
            Replace(Path.Combine(copy, "bicepconfig.json"), "\"no-unused-vars\": { \"level\": \"error\" }", "\"no-unused-vars\": { \"level\": \"warning\" }");
            Replace(Path.Combine(copy, "main.bicep"), "var mongoSecretName =", "var neverUsed = 'x'\nvar mongoSecretName =");
        });

        Assert.Equal(0, lint.ExitCode);
        var ci = BicepDiagnostics.Judge(template.RepositoryRoot, lint.StandardOutput + lint.StandardError);
        Assert.False(ci.Passed);
        Assert.Contains("Warning no-unused-vars:", ci.Refused, StringComparison.Ordinal);
    }

    [Fact]
    public void Output_that_is_not_a_diagnostic_fails_CI()
    {
        var ci = BicepDiagnostics.Judge(template.RepositoryRoot, "Unhandled exception. System.IO.IOException: disk full\n");

        Assert.False(ci.Passed);
    }
}
