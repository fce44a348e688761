using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using ButtonFunctions.Tests.LocalHost;
using ButtonFunctions.Tests.Support;
using LocalHost;

namespace ButtonFunctions.Tests.Auth;

/// <summary>The standalone LocalIssuer program (the Core Tools path): clear failures, and a credentials file like LocalHost's.</summary>
public sealed class LocalIssuerProgramTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("issuer-credentials-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private Process Start(params string[] args)
    {
        var dll = Path.Combine(FunctionsLocalHostOptions.FindAppDirectory(Path.Combine("tools", "LocalIssuer"), configuration: null), "LocalIssuer.dll");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])[dll, "--CredentialsDir", _directory, .. args])
        {
            start.ArgumentList.Add(arg);
        }

        return Process.Start(start)!;
    }

    [Fact]
    public async Task A_busy_port_fails_with_one_clear_line_and_no_stack_trace()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        using var issuer = Start("--Port", port.ToString(CultureInfo.InvariantCulture));
        var stdout = issuer.StandardOutput.ReadToEndAsync();
        var stderr = issuer.StandardError.ReadToEndAsync();
        await issuer.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(1, issuer.ExitCode);
        var line = Assert.Single((await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"port {port} on 127.0.0.1 is already in use", line, StringComparison.Ordinal);
        Assert.Equal(string.Empty, await stdout);
        Assert.Empty(Directory.GetFiles(_directory));
    }

    [Fact]
    public async Task It_publishes_its_client_for_the_simulator_and_removes_it_on_exit()
    {
        using var issuer = Start("--Port", "0", "--FunctionUrl", "http://127.0.0.1:7071/api/clicks");
        _ = issuer.StandardOutput.ReadToEndAsync();
        _ = issuer.StandardError.ReadToEndAsync();
        await Eventually.TrueAsync(() => Directory.GetFiles(_directory, "localissuer-*.json").Length == 1, TimeSpan.FromSeconds(60));

        using (var file = JsonDocument.Parse(await File.ReadAllTextAsync(Directory.GetFiles(_directory)[0])))
        {
            Assert.Equal("http://127.0.0.1:7071/api/clicks", file.RootElement.GetProperty("url").GetString());
            Assert.Equal(issuer.Id, file.RootElement.GetProperty("pid").GetInt32());
        }

        Assert.Equal(0, ProcessTable.Terminate(issuer.Id));
        await issuer.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, issuer.ExitCode);
        Assert.Empty(Directory.GetFiles(_directory));
    }
}
