using System.Text.RegularExpressions;
using ButtonSimulator.Cli;

namespace ButtonFunctions.Tests.Simulator;

/// <summary>Every simulator option and environment variable is in its --help and in the README.</summary>
public sealed partial class SimulatorDocumentationTests
{
    private static readonly string Readme = File.ReadAllText(RepoFiles.Find("README.md"));

    public static TheoryData<string> Commands => new() { "", "click", "run", "confirm", "replay", "token" };

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task Every_option_in_the_help_is_in_the_README(string command)
    {
        var help = await HelpAsync(command);

        var options = Option().Matches(help).Select(m => m.Value).Where(o => o is not ("--help" or "--version")).Distinct().ToList();

        Assert.NotEmpty(options);
        Assert.All(options, o => Assert.Contains($"`{o}`", Readme, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Every_environment_variable_the_simulator_reads_is_in_the_help_and_the_README()
    {
        var source = string.Concat(Directory.EnumerateFiles(Path.GetDirectoryName(RepoFiles.Find("tools/ButtonSimulator/ButtonSimulator.csproj"))!, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(File.ReadAllText));
        var variables = Variable().Matches(source).Select(m => m.Groups[1].Value).Distinct().ToList();
        var help = await HelpAsync("");

        Assert.Contains("BUTTONS_TOKEN_URL", variables);
        Assert.Contains("BUTTONS_CREDENTIALS_FILE", variables);
        Assert.All(variables, v =>
        {
            Assert.Contains(v, help, StringComparison.Ordinal);
            Assert.Contains($"`{v}`", Readme, StringComparison.Ordinal);
        });
    }

    private static async Task<string> HelpAsync(string command)
    {
        using var output = new StringWriter();
        using var errors = new StringWriter();
        var exit = await SimulatorCommands.InvokeAsync(command.Length == 0 ? ["--help"] : [command, "--help"], new SimulatorConsole(output, errors, liveCapable: false));
        Assert.Equal(0, exit);
        return output.ToString();
    }

    [GeneratedRegex(@"(?<![\w-])--[a-z][a-z-]+")]
    private static partial Regex Option();

    [GeneratedRegex("\"(BUTTONS_[A-Z_]+)\"")]
    private static partial Regex Variable();
}
