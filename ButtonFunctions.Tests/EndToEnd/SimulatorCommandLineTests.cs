using System.Text.RegularExpressions;
using ButtonSimulator.Cli;
using MongoDB.Bson;
using MongoDB.Driver;

namespace ButtonFunctions.Tests.EndToEnd;

/// <summary>The simulator's command line, as a user runs it, against the real app under LocalHost.</summary>
[Collection(SharedApp.Name)]
public sealed partial class SimulatorCommandLineTests(SharedAppFixture fixture)
{
    private string[] Connection() =>
    [
        "--url", new Uri(fixture.Host.BaseAddress, "api/clicks").AbsoluteUri,
        "--authority", fixture.Issuer.Authority.AbsoluteUri,
        "--client-id", AppFixture.WriterClientId,
        "--client-secret", AppFixture.WriterSecret,
        "--audience", AppFixture.Audience,
        "--errors-dir", Path.Combine(Path.GetTempPath(), "sim-cli-errors-" + Guid.NewGuid().ToString("N")),
    ];

    [Fact]
    public async Task Click_command_stores_one_click_of_the_chosen_shape_and_type()
    {
        var device = "CLI" + Guid.NewGuid().ToString("N")[..10].ToUpperInvariant();

        var exit = await SimulatorCommands.Build()
            .Parse(["click", "--shape", "mqtt", "--device", device, "--type", "long", .. Connection()])
            .InvokeAsync();

        Assert.Equal(0, exit);
        var stored = await fixture.Clicks.Find(Builders<BsonDocument>.Filter.Eq("deviceId", device)).ToListAsync();
        var click = Assert.Single(stored);
        Assert.Equal("LONG", click["clickType"].AsString);
        Assert.Equal("mqtt-button", click["source"].AsString);
        Assert.Equal(AppFixture.WriterClientId, click["clientId"].AsString);
    }

    [Fact]
    public async Task Token_command_prints_a_token_the_app_accepts()
    {
        var output = new StringWriter();
        var original = Console.Out;
        Console.SetOut(output);
        int exit;
        try
        {
            exit = await SimulatorCommands.Build().Parse(["token", .. Connection()]).InvokeAsync();
        }
        finally
        {
            Console.SetOut(original);
        }

        Assert.Equal(0, exit);
        var token = Assert.Single(Jwt().Matches(output.ToString())).Value;
        using var anonymous = new HttpClient { BaseAddress = fixture.Host.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/clicks")
        {
            Content = new StringContent("""{"deviceId":"cli-token","clickType":"single"}""", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new("Bearer", token);
        using var response = await anonymous.SendAsync(request);
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
    }

    [GeneratedRegex(@"eyJ[\w-]+\.[\w-]+\.[\w-]+")]
    private static partial Regex Jwt();
}
