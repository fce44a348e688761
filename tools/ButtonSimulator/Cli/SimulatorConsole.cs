using Spectre.Console;

namespace ButtonSimulator.Cli;

/// <summary>
/// Where the simulator writes: results on <see cref="Out"/>, errors and warnings (one line each, saying what
/// to do) on <see cref="Error"/>, so <c>TOKEN=$(… token)</c> captures nothing but the token. The live display
/// is used only where it can render (<see cref="LiveCapable"/>); everywhere else output is plain lines.
/// </summary>
internal sealed class SimulatorConsole(TextWriter output, TextWriter error, bool liveCapable)
{
    public TextWriter Out => output;

    public TextWriter Error => error;

    /// <summary>Whether the live display can render: an interactive ANSI terminal that is not dumb, output not redirected.</summary>
    public bool LiveCapable => liveCapable;

    public static SimulatorConsole FromEnvironment()
    {
        var capabilities = AnsiConsole.Profile.Capabilities;
        return new SimulatorConsole(Console.Out, Console.Error,
            CanRenderLive(Environment.GetEnvironmentVariable("TERM"), Console.IsOutputRedirected, capabilities.Ansi, capabilities.Interactive));
    }

    /// <summary>
    /// Spectre's live display needs cursor movement: without ANSI (TERM=dumb, a pipe, a CI log) it throws
    /// mid-render, so it is only used when every sign says the terminal can take it.
    /// </summary>
    internal static bool CanRenderLive(string? term, bool outputRedirected, bool ansi, bool interactive) =>
        !outputRedirected && ansi && interactive && !string.IsNullOrEmpty(term) && !string.Equals(term, "dumb", StringComparison.Ordinal);

    public void Line(string text) => output.WriteLine(text);

    /// <summary>One line on stderr: what went wrong and what to do about it.</summary>
    public void Fail(string text) => error.WriteLine("error: " + text);

    public void Warn(string text) => error.WriteLine("warning: " + text);

    /// <summary>A Spectre console on <see cref="Out"/>, for the live display.</summary>
    public IAnsiConsole Rich() => AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
}
