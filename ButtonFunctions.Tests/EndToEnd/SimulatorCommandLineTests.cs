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

        var (exit, output, errors) = await RunAsync(["click", "--shape", "mqtt", "--device", device, "--type", "long", .. Connection()]);

        Assert.True(exit == 0, output + errors);
        Assert.StartsWith("Accepted HTTP 201", output, StringComparison.Ordinal);
        Assert.Equal("", errors);
        var stored = await fixture.Clicks.Find(Builders<BsonDocument>.Filter.Eq("deviceId", device)).ToListAsync();
        var click = Assert.Single(stored);
        Assert.Equal("LONG", click["clickType"].AsString);
        Assert.Equal("mqtt-button", click["source"].AsString);
        Assert.Equal(AppFixture.WriterClientId, click["clientId"].AsString);
    }

    [Fact]
    public async Task Token_command_prints_a_token_the_app_accepts_and_nothing_else()
    {
        var (exit, output, errors) = await RunAsync(["token", .. Connection()]);

        Assert.Equal(0, exit);
        Assert.Equal("", errors);
        var token = Assert.Single(Jwt().Matches(output)).Value;
        Assert.Equal(token + Environment.NewLine, output);
        using var anonymous = new HttpClient { BaseAddress = fixture.Host.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/clicks")
        {
            Content = new StringContent("""{"deviceId":"cli-token","clickType":"single"}""", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new("Bearer", token);
        using var response = await anonymous.SendAsync(request);
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task Confirm_posts_where_AWS_posts_and_names_the_confirm_and_enable_steps()
    {
        var arn = $"arn:aws:iot:eu-west-1:123456789012:ruledestination/http/{Guid.NewGuid()}";

        // AWS posts to {confirmationUrl}/?confirmationToken=…: the function must answer on that path too.
        var (exit, output, errors) = await RunAsync(["confirm", "--arn", arn, .. Connection()]);

        Assert.True(exit == 0, output + errors);
        Assert.Equal("", errors);
        Assert.Contains("/api/clicks/?confirmationToken=", output, StringComparison.Ordinal);
        Assert.Contains("\"status\":\"not-followed\"", output, StringComparison.Ordinal);
        var next = Assert.Single(output.Split('\n'), l => l.StartsWith("next: ", StringComparison.Ordinal));
        Assert.Contains("aws iot confirm-topic-rule-destination --confirmation-token", next, StringComparison.Ordinal);
        Assert.EndsWith($"then enable it: aws iot update-topic-rule-destination --arn {arn} --status ENABLED", next.TrimEnd(), StringComparison.Ordinal);
    }

    private static async Task<(int Exit, string Output, string Errors)> RunAsync(string[] args)
    {
        using var output = new StringWriter();
        using var errors = new StringWriter();
        var exit = await SimulatorCommands.InvokeAsync(args, new SimulatorConsole(output, errors, liveCapable: false));
        return (exit, output.ToString(), errors.ToString());
    }

    [GeneratedRegex(@"eyJ[\w-]+\.[\w-]+\.[\w-]+")]
    private static partial Regex Jwt();
}
