using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ButtonFunctions.Tests.Infra;

/// <summary>
/// Compiles infra/main.bicep once per test run (ARM JSON for structural checks) and evaluates it
/// offline with `bicep snapshot` for given parameter values (the resources ARM would be asked to
/// create, with every expression that does not need a live deployment already resolved).
/// </summary>
public sealed class BicepTemplateFixture : IDisposable
{
    /// <summary>Parameter values every snapshot starts from (the required ones).</summary>
    public static readonly IReadOnlyDictionary<string, object> RequiredParameters = new Dictionary<string, object>
    {
        ["environmentName"] = "ci",
        ["location"] = "westeurope",
        ["auth0Domain"] = "buttons-test.eu.auth0.com",
        ["auth0Audience"] = "https://buttons.example.com",
    };

    private readonly string _workDirectory = Directory.CreateTempSubdirectory("bicep-tests-").FullName;
    private readonly ConcurrentDictionary<string, Lazy<DeploymentSnapshot>> _snapshots = new();
    private readonly Lazy<BicepResult> _lint;
    private int _snapshotCount;

    public BicepTemplateFixture()
    {
        RepositoryRoot = FindRepositoryRoot();
        InfraDirectory = Path.Combine(RepositoryRoot, "infra");
        var templatePath = Path.Combine(_workDirectory, "main.json");
        Build = BicepCli.Run(InfraDirectory, "build", "main.bicep", "--outfile", templatePath);
        Assert.True(Build.ExitCode == 0, $"bicep build failed: {Build}");
        using var template = JsonDocument.Parse(File.ReadAllText(templatePath));
        Template = template.RootElement.Clone();
        _lint = new Lazy<BicepResult>(() => BicepCli.Run(InfraDirectory, "lint", "main.bicep"));
    }

    public string RepositoryRoot { get; }

    public string InfraDirectory { get; }

    /// <summary>Result of `bicep build infra/main.bicep`.</summary>
    internal BicepResult Build { get; }

    /// <summary>Result of `bicep lint infra/main.bicep`.</summary>
    internal BicepResult Lint => _lint.Value;

    /// <summary>The compiled ARM template (modules are nested deployments).</summary>
    public JsonElement Template { get; }

    // Real destination ARN shapes: the app refuses to start with anything else in the allow-list.
    public const string DestinationArns =
        "arn:aws:iot:eu-west-1:123456789012:ruledestination/http/a1b2,arn:aws:iot:eu-west-1:123456789012:ruledestination/http/c3d4";

    public const string AllowedClientIds = "iot-rule-client,dashboard-reporting";

    public const string UserPrincipalId = "11111111-2222-3333-4444-555555555555";

    /// <summary>
    /// One non-default value for every optional parameter that changes what gets deployed (each
    /// bicep snapshot costs a second or two, so the variants share one).
    /// </summary>
    public static readonly (string Name, object Value)[] CustomisedParameters =
    [
        ("allowedDestinationArns", DestinationArns),
        ("auth0AllowedClientIds", AllowedClientIds),
        ("mongoDatabaseName", "clicksdb"),
        ("mongoDestinationsCollectionName", "aws-destinations"),
        ("cosmosThroughputMode", "autoscale"),
        ("cosmosAutoscaleMaxThroughput", 4000),
        ("clickRetentionDays", 30),
        ("keyVaultEnablePurgeProtection", true),
        ("principalId", UserPrincipalId),
        ("alwaysReadyInstanceCount", 2),
        ("instanceMemoryMB", 4096),
        ("maximumInstanceCount", 40),
        ("httpPerInstanceConcurrency", 50),
    ];

    /// <summary>Snapshot with only the required parameters (every default in force).</summary>
    public DeploymentSnapshot Defaults => Snapshot();

    /// <summary>Snapshot with <see cref="CustomisedParameters"/>.</summary>
    public DeploymentSnapshot Customised => Snapshot(CustomisedParameters);

    /// <summary>Snapshot with the required parameters plus <paramref name="overrides"/> ("name", value pairs).</summary>
    public DeploymentSnapshot Snapshot(params (string Name, object Value)[] overrides)
    {
        var parameters = new Dictionary<string, object>(RequiredParameters);
        foreach (var (name, value) in overrides)
        {
            parameters[name] = value;
        }

        var key = string.Join(';', parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={Render(p.Value)}"));
        return _snapshots.GetOrAdd(key, _ => new Lazy<DeploymentSnapshot>(() => CreateSnapshot(parameters))).Value;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_workDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }

    private DeploymentSnapshot CreateSnapshot(Dictionary<string, object> parameters)
    {
        var directory = Directory.CreateDirectory(Path.Combine(_workDirectory, $"snapshot-{Interlocked.Increment(ref _snapshotCount)}")).FullName;
        var paramsFile = Path.Combine(directory, "test.bicepparam");
        var template = Path.GetRelativePath(directory, Path.Combine(InfraDirectory, "main.bicep")).Replace('\\', '/');
        var text = new StringBuilder().Append(CultureInfo.InvariantCulture, $"using '{template}'\n");
        foreach (var (name, value) in parameters)
        {
            text.Append(CultureInfo.InvariantCulture, $"param {name} = {Render(value)}\n");
        }

        File.WriteAllText(paramsFile, text.ToString());
        var result = BicepCli.Run(
            directory,
            "snapshot", paramsFile,
            "--mode", "overwrite",
            "--tenant-id", DeploymentSnapshot.TenantId,
            "--subscription-id", DeploymentSnapshot.SubscriptionId,
            "--location", (string)parameters["location"],
            "--deployment-name", "azd-test");
        Assert.True(result.ExitCode == 0, $"bicep snapshot failed: {result}");
        using var snapshot = JsonDocument.Parse(File.ReadAllText(Path.ChangeExtension(paramsFile, ".snapshot.json")));
        return new DeploymentSnapshot(snapshot.RootElement.Clone());
    }

    private static string Render(object value) => value switch
    {
        string s => $"'{s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal)}'",
        bool b => b ? "true" : "false",
        int i => i.ToString(CultureInfo.InvariantCulture),
        _ => throw new ArgumentException($"Unsupported parameter value type {value.GetType()}", nameof(value)),
    };

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ButtonFunctions.sln")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException($"No ButtonFunctions.sln above {AppContext.BaseDirectory}");
    }
}

[CollectionDefinition(Name)]
public sealed class BicepTemplateGroup : ICollectionFixture<BicepTemplateFixture>
{
    public const string Name = "Bicep template";
}
