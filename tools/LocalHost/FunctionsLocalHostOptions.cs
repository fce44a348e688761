using System.Reflection;

namespace LocalHost;

/// <summary>How <see cref="FunctionsLocalHost"/> finds and runs a function app.</summary>
public sealed class FunctionsLocalHostOptions
{
    private const string SolutionFileName = "ButtonFunctions.sln";
    private const string FunctionAppProjectDirectory = "ButtonFunctions";

    /// <summary>The worker's build output directory (contains worker.config.json, functions.metadata and host.json).</summary>
    public string AppDirectory { get; set; } = "";

    /// <summary>Port of the HTTP front end on 127.0.0.1; 0 picks a free port.</summary>
    public int Port { get; set; } = 7071;

    /// <summary>Extra environment variables for the worker; they override local.settings.json and the environment. A null value removes the variable.</summary>
    public IDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>(StringComparer.Ordinal);

    /// <summary>How long the worker may take from launch until every function is loaded.</summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long the worker gets to exit after WorkerTerminate before it is killed.</summary>
    public TimeSpan ShutdownGracePeriod { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How often LocalHost prints a line of the worker's metrics while requests arrive; the worker is given LocalHost's
    /// OTLP endpoint for them. Zero turns both off: the worker then exports nothing (no telemetry setting at all).
    /// </summary>
    public TimeSpan MetricsSummaryInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How many times in a row a crashed worker is restarted before LocalHost gives up.</summary>
    public int MaxRestarts { get; set; } = 3;

    /// <summary>
    /// Locates ButtonFunctions/bin/&lt;configuration&gt;/&lt;tfm&gt; by walking up from this assembly's directory to
    /// ButtonFunctions.sln. The configuration defaults to the one this assembly was built with.
    /// </summary>
    public static string FindAppDirectory(string? configuration = null) =>
        FindAppDirectory(FunctionAppProjectDirectory, configuration);

    /// <summary>Same as <see cref="FindAppDirectory(string?)"/> for another function app project of the repository.</summary>
    internal static string FindAppDirectory(string projectDirectory, string? configuration)
    {
        var root = FindRepositoryRoot();
        configuration ??= typeof(FunctionsLocalHostOptions).Assembly
            .GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        return Path.Combine(root, projectDirectory, "bin", configuration, TargetFrameworkMoniker());
    }

    internal static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, SolutionFileName)))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException(
            $"Could not find {SolutionFileName} in {AppContext.BaseDirectory} or any parent directory; set AppDirectory explicitly.");
    }

    // The function app and LocalHost share Directory.Build.props, hence the same target framework.
    private static string TargetFrameworkMoniker()
    {
        var version = Environment.Version;
        return $"net{version.Major}.{version.Minor}";
    }

    /// <summary>
    /// The value the worker will see for a configuration key (<c>Section:Key</c>), looking at <see cref="Settings"/>,
    /// then local.settings.json Values, then the environment, in both the <c>:</c> and <c>__</c> spellings.
    /// </summary>
    public string? GetEffectiveSetting(string key)
    {
        var environment = WorkerConfig.Load(AppDirectory).BuildEnvironment(Settings, out _);
        foreach (var name in new[] { key, key.Replace(":", "__", StringComparison.Ordinal) })
        {
            var value = environment.TryGetValue(name, out var v) ? v : Environment.GetEnvironmentVariable(name);
            if (!string.IsNullOrWhiteSpace(value))
            {
                return value;
            }
        }

        return null;
    }

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(AppDirectory))
        {
            throw new InvalidOperationException($"{nameof(FunctionsLocalHostOptions)}.{nameof(AppDirectory)} is required.");
        }

        if (!File.Exists(Path.Combine(AppDirectory, WorkerConfig.FileName)))
        {
            throw new InvalidOperationException(
                $"{nameof(FunctionsLocalHostOptions)}.{nameof(AppDirectory)} '{AppDirectory}' has no {WorkerConfig.FileName}: build the function app first.");
        }

        if (Port is < 0 or > 65535)
        {
            throw new InvalidOperationException($"{nameof(FunctionsLocalHostOptions)}.{nameof(Port)} must be between 0 and 65535 (0 = any free port).");
        }

        if (MetricsSummaryInterval < TimeSpan.Zero)
        {
            throw new InvalidOperationException($"{nameof(FunctionsLocalHostOptions)}.{nameof(MetricsSummaryInterval)} must not be negative (zero turns it off).");
        }

        if (MaxRestarts < 0)
        {
            throw new InvalidOperationException($"{nameof(FunctionsLocalHostOptions)}.{nameof(MaxRestarts)} must not be negative.");
        }
    }
}
