using System.Text.Json;

namespace LocalHost;

/// <summary>What LocalHost reads from the function app's build output: worker.config.json, host.json, local.settings.json.</summary>
internal sealed record WorkerConfig(string AppDirectory, string ExecutablePath, string WorkerPath, string RoutePrefix)
{
    public const string FileName = "worker.config.json";
    private const string DefaultRoutePrefix = "api";

    private static readonly JsonDocumentOptions Lenient = new()
    {
        AllowTrailingCommas = true,
        CommentHandling = JsonCommentHandling.Skip,
    };

    public static WorkerConfig Load(string appDirectory)
    {
        appDirectory = Path.GetFullPath(appDirectory);
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(appDirectory, FileName)), Lenient);
        if (!config.RootElement.TryGetProperty("description", out var description)
            || !description.TryGetProperty("defaultWorkerPath", out var workerPath)
            || workerPath.GetString() is not { Length: > 0 } worker)
        {
            throw new InvalidOperationException($"{FileName} in '{appDirectory}' has no description.defaultWorkerPath.");
        }

        var executable = description.TryGetProperty("defaultExecutablePath", out var exe) && exe.GetString() is { Length: > 0 } e
            ? e
            : "dotnet";

        return new WorkerConfig(appDirectory, executable, Path.Combine(appDirectory, worker), ReadRoutePrefix(appDirectory));
    }

    /// <summary>extensions.http.routePrefix from host.json; "api" when absent, as in Azure.</summary>
    private static string ReadRoutePrefix(string appDirectory)
    {
        var hostJson = Path.Combine(appDirectory, "host.json");
        if (!File.Exists(hostJson))
        {
            return DefaultRoutePrefix;
        }

        using var host = JsonDocument.Parse(File.ReadAllText(hostJson), Lenient);
        foreach (var section in host.RootElement.EnumerateObject())
        {
            if (!section.NameEquals("extensions") || section.Value.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            foreach (var extension in section.Value.EnumerateObject())
            {
                if (string.Equals(extension.Name, "http", StringComparison.OrdinalIgnoreCase)
                    && extension.Value.ValueKind == JsonValueKind.Object)
                {
                    foreach (var setting in extension.Value.EnumerateObject())
                    {
                        if (string.Equals(setting.Name, "routePrefix", StringComparison.OrdinalIgnoreCase))
                        {
                            return (setting.Value.GetString() ?? DefaultRoutePrefix).Trim('/');
                        }
                    }
                }
            }
        }

        return DefaultRoutePrefix;
    }

    /// <summary>
    /// The worker's environment: local.settings.json Values (in the app directory, else in the project directory
    /// above it, as func start reads them), unless the environment already defines them (func start does not
    /// override environment variables either), then <paramref name="overrides"/>.
    /// </summary>
    public IReadOnlyDictionary<string, string?> BuildEnvironment(IDictionary<string, string?> overrides, out string? settingsFile)
    {
        var env = new Dictionary<string, string?>(StringComparer.Ordinal);
        settingsFile = FindLocalSettings();
        if (settingsFile is not null)
        {
            using var settings = JsonDocument.Parse(File.ReadAllText(settingsFile), Lenient);
            if (settings.RootElement.TryGetProperty("Values", out var values) && values.ValueKind == JsonValueKind.Object)
            {
                foreach (var value in values.EnumerateObject())
                {
                    if (Environment.GetEnvironmentVariable(value.Name) is null)
                    {
                        env[value.Name] = value.Value.ValueKind == JsonValueKind.String ? value.Value.GetString() : value.Value.GetRawText();
                    }
                }
            }
        }

        env["FUNCTIONS_WORKER_RUNTIME"] = "dotnet-isolated";
        env["FUNCTIONS_APPLICATION_DIRECTORY"] = AppDirectory;
        env["FUNCTIONS_WORKER_DIRECTORY"] = AppDirectory;
        // func start runs the app as Development unless told otherwise.
        if (!env.ContainsKey("AZURE_FUNCTIONS_ENVIRONMENT") && Environment.GetEnvironmentVariable("AZURE_FUNCTIONS_ENVIRONMENT") is null)
        {
            env["AZURE_FUNCTIONS_ENVIRONMENT"] = "Development";
        }

        foreach (var (key, value) in overrides)
        {
            env[key] = value;
        }

        return env;
    }

    private string? FindLocalSettings()
    {
        const string localSettings = "local.settings.json";
        for (var dir = new DirectoryInfo(AppDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, localSettings);
            if (File.Exists(candidate))
            {
                return candidate;
            }

            // Stop at the project directory: settings above it belong to something else.
            if (dir.EnumerateFiles("*.csproj").Any())
            {
                break;
            }
        }

        return null;
    }
}
