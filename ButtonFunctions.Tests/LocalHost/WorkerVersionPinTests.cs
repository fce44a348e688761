using System.Text.Json;
using LocalHost;

namespace ButtonFunctions.Tests.LocalHost;

/// <summary>
/// LocalHost relies on worker internals that no public contract promises: the HttpUri capability, pairing by
/// x-ms-invocation-id with its 5 s / 15 s waits, route values read from trigger metadata, the mandatory trace
/// context, an empty 200 on the HTTP side of a failed invocation. They were verified against these versions;
/// an upgrade must re-run the LocalHost tests and then update this table.
/// </summary>
[Trait("Category", "Unit")]
public sealed class WorkerVersionPinTests
{
    public static TheoryData<string, string> VerifiedPackages => new()
    {
        { "Microsoft.Azure.Functions.Worker", "2.52.0" },
        { "Microsoft.Azure.Functions.Worker.Grpc", "2.52.0" },
        { "Microsoft.Azure.Functions.Worker.Extensions.Http.AspNetCore", "2.1.1" },
    };

    [Theory]
    [MemberData(nameof(VerifiedPackages))]
    public void Function_app_runs_the_worker_version_LocalHost_was_verified_against(string package, string version)
    {
        var depsFile = Path.Combine(FunctionsLocalHostOptions.FindAppDirectory(), "ButtonFunctions.deps.json");
        using var deps = JsonDocument.Parse(File.ReadAllText(depsFile));
        var libraries = deps.RootElement.GetProperty("libraries").EnumerateObject().Select(l => l.Name).ToList();

        Assert.Contains($"{package}/{version}", libraries);
    }
}
