using System.Text.Json;
using System.Text.Json.Nodes;
using ButtonSimulator.Cli;
using ButtonSimulator.Delivery;
using ButtonSimulator.Payloads;
using ButtonFunctions.Destinations;

namespace ButtonFunctions.Tests.Simulator;

[Trait("Category", "Unit")]
public sealed class ConfirmationAndPayloadTests
{
    [Fact]
    public async Task Confirmation_request_matches_what_AWS_sends()
    {
        using var fixture = JsonDocument.Parse(File.ReadAllText(RepoFiles.Find("ButtonFunctions.Tests/Fixtures/destination-confirmation.json")));
        var root = fixture.RootElement;
        await using var server = await StubServer.StartAsync((context, _) => Task.CompletedTask);
        using var http = new HttpClient();

        var confirmation = DestinationConfirmation.Create(root.GetProperty("arn").GetString()!, root.GetProperty("confirmationToken").GetString()!);
        using var request = confirmation.ToRequest(new Uri(server.BaseAddress, "api/clicks"));
        using var response = await http.SendAsync(request);

        var received = Assert.Single(server.Requests);
        Assert.Equal("POST", received.Method);
        // AWS posts to {confirmationUrl}/?confirmationToken=… (aws/FACTS.md): note the slash before the query.
        Assert.Equal("/api/clicks/", received.Path);
        Assert.Equal(root.GetProperty("_query").GetString(), received.Query);
        foreach (var header in root.GetProperty("_headers").EnumerateObject())
        {
            Assert.Equal(header.Value.GetString(), received.Header(header.Name));
        }

        Assert.Null(received.Header("Authorization"));
        var body = JsonNode.Parse(received.Body)!.AsObject();
        foreach (var name in new[] { "arn", "confirmationToken", "enableUrl", "messageType" })
        {
            Assert.Equal(root.GetProperty(name).GetString(), (string?)body[name]);
        }

        Assert.Equal(4, body.Count);
    }

    [Theory]
    [InlineData("classic", "serialNumber")]
    [InlineData("oneclick", "deviceEvent")]
    [InlineData("mqtt", "deviceId")]
    public void Clicks_carry_the_device_payload_and_the_rule_enrichment(string shapeName, string deviceField)
    {
        var shape = Enum.Parse<ButtonShape>(shapeName, ignoreCase: true);
        var at = DateTimeOffset.Parse("2026-11-25T18:00:00.250Z", System.Globalization.CultureInfo.InvariantCulture);
        var message = ClickPayloads.Click(shape, "G030JF055364XVRB", ClickType.Long, at);

        var original = JsonNode.Parse(message.OriginalPayload)!.AsObject();
        var output = JsonNode.Parse(message.RuleOutput)!.AsObject();
        Assert.True(original.ContainsKey(deviceField));
        Assert.False(original.ContainsKey("traceId"));
        Assert.Equal("iotbutton/G030JF055364XVRB", (string?)output["topic"]);
        Assert.Equal(at.ToUnixTimeMilliseconds(), (long)output["receivedAtMs"]!);
        Assert.Equal(message.TraceId, (string?)output["traceId"]);
        Assert.True(Guid.TryParse(message.TraceId, out _));
    }

    [Fact]
    public void Without_enrichment_the_raw_device_payload_is_posted()
    {
        var message = ClickPayloads.Click(ButtonShape.Classic, "G030JF055364XVRB", ClickType.Single, DateTimeOffset.UtcNow, enriched: false);

        Assert.Equal(message.OriginalPayload, message.RuleOutput);
        Assert.Equal("{\"serialNumber\":\"G030JF055364XVRB\",\"batteryVoltage\":\"1705mV\",\"clickType\":\"SINGLE\"}", SimulatorHarness.Text(message.RuleOutput));
    }

    [Fact]
    public void Connection_settings_come_from_options_then_environment_then_the_LocalHost_file()
    {
        using var dir = new CredentialsFolder();
        dir.Write("localhost-6001.json", url: "http://127.0.0.1:6001/api/clicks", pid: Environment.ProcessId);
        var sub = Directory.CreateDirectory(Path.Combine(dir.Root, "tools", "x")).FullName;
        var env = new Dictionary<string, string> { ["BUTTONS_CLIENT_SECRET"] = "env-secret" };

        var settings = ConnectionSettings.Resolve(null, null, null, "cli-id", null, null, k => env.GetValueOrDefault(k), sub);

        Assert.Equal(new Uri("http://127.0.0.1:6001/api/clicks"), settings.Url);
        Assert.Equal(new Uri("http://127.0.0.1:6000/oauth/token"), settings.TokenUrl);
        Assert.Equal("cli-id", settings.ClientId);
        Assert.Equal("env-secret", settings.ClientSecret);
        Assert.Equal("https://file.aud", settings.Audience);
    }

    [Fact]
    public void The_file_of_a_run_that_has_ended_is_ignored()
    {
        using var dir = new CredentialsFolder();
        dir.Write("localhost-7071.json", url: ConnectionSettings.DefaultUrl, pid: int.MaxValue - 1);

        var settings = ConnectionSettings.Resolve(null, null, null, null, null, null, _ => null, dir.Root);

        Assert.Null(settings.CredentialsPath);
        Assert.Null(settings.TokenEndpoint(out _));
    }

    [Fact]
    public void With_two_runs_up_the_url_chooses_and_without_one_the_default_port_wins()
    {
        using var dir = new CredentialsFolder();
        dir.Write("localhost-7071.json", url: ConnectionSettings.DefaultUrl, pid: Environment.ProcessId, clientId: "on-7071");
        dir.Write("localhost-7072.json", url: "http://127.0.0.1:7072/api/clicks", pid: Environment.ProcessId, clientId: "on-7072");

        var chosen = ConnectionSettings.Resolve("http://127.0.0.1:7072/api/clicks", null, null, null, null, null, _ => null, dir.Root);
        var byDefault = ConnectionSettings.Resolve(null, null, null, null, null, null, _ => null, dir.Root);

        Assert.Equal("on-7072", chosen.ClientId);
        Assert.Equal("on-7071", byDefault.ClientId);
    }

    [Fact]
    public void With_two_runs_up_on_other_ports_the_problem_says_to_pass_url()
    {
        using var dir = new CredentialsFolder();
        dir.Write("localhost-7072.json", url: "http://127.0.0.1:7072/api/clicks", pid: Environment.ProcessId);
        dir.Write("localhost-7073.json", url: "http://127.0.0.1:7073/api/clicks", pid: Environment.ProcessId);

        var settings = ConnectionSettings.Resolve(null, null, null, null, null, null, _ => null, dir.Root);

        Assert.Null(settings.TokenEndpoint(out var problem));
        Assert.Contains("pass --url", problem, StringComparison.Ordinal);
        Assert.Contains("7072", problem, StringComparison.Ordinal);
    }

    /// <summary>A temporary folder with a .localhost/ of credentials files as LocalHost writes them.</summary>
    private sealed class CredentialsFolder : IDisposable
    {
        public string Root { get; } = Directory.CreateTempSubdirectory("creds-").FullName;

        public void Write(string name, string url, int pid, string clientId = "file-id")
        {
            Directory.CreateDirectory(Path.Combine(Root, ".localhost"));
            File.WriteAllText(Path.Combine(Root, ".localhost", name), $$"""
                {"kind":"LocalHost","url":"{{url}}","authority":"http://127.0.0.1:6000","audience":"https://file.aud","clientId":"{{clientId}}","clientSecret":"file-secret","pid":{{pid}}}
                """);
        }

        public void Dispose() => Directory.Delete(Root, recursive: true);
    }

    [Fact]
    public void Without_credentials_the_settings_explain_where_to_get_them()
    {
        var settings = ConnectionSettings.Resolve(null, null, null, null, null, null, _ => null, Path.GetTempPath());

        Assert.Null(settings.TokenEndpoint(out var problem));
        Assert.Contains("--client-id", problem, StringComparison.Ordinal);
        Assert.Equal(new Uri("http://127.0.0.1:5055/oauth/token"), settings.TokenUrl);
    }
}
