using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ButtonFunctions.Tests.Support;
using LocalHost;

namespace ButtonFunctions.Tests.LocalHost;

/// <summary>
/// The LocalHost program with the real app (LocalMongo and LocalIssuer stand-ins, credentials in a temporary
/// directory, free ports): the worker exports its metrics over OTLP to LocalHost, which prints what an operator would
/// see. The lines' counts must add up to exactly what the test sent.
/// </summary>
public sealed partial class MetricsSummaryEndToEndTests
{
    [Fact]
    public async Task LocalHost_prints_the_workers_own_counts_of_stored_duplicate_and_refused_clicks()
    {
        using var program = LocalHostProgram.Start(FunctionsLocalHostOptions.FindAppDirectory(), arguments: ["--metrics-summary", "1"]);
        await program.WaitUntilReadyAsync();
        using var credentials = JsonDocument.Parse(await File.ReadAllTextAsync(Assert.Single(Directory.GetFiles(program.CredentialsDirectory, "localhost-*.json"))));
        var root = credentials.RootElement;
        using var client = new HttpClient { BaseAddress = program.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(root));
        var run = Guid.NewGuid().ToString("N")[..8];
        var batch = "[" + string.Join(',', Enumerable.Range(0, 3).Select(i =>
            $$"""{"serialNumber":"G030SUM{{i:D3}}","batteryVoltage":"1650mV","clickType":"SINGLE","topic":"iotbutton/G030SUM{{i:D3}}","receivedAtMs":1764064800123,"traceId":"{{run}}-{{i}}"}""")) + "]";

        using (var stored = await client.PostAsync(new Uri("api/clicks", UriKind.Relative), Json(batch)))
        {
            Assert.Equal(HttpStatusCode.Created, stored.StatusCode);
        }

        using (var again = await client.PostAsync(new Uri("api/clicks", UriKind.Relative), Json(batch)))
        {
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        }

        using (var malformed = await client.PostAsync(new Uri("api/clicks", UriKind.Relative), Json("{\"serialNumber\":")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        }

        using (var anonymous = new HttpClient { BaseAddress = program.BaseAddress })
        using (var unauthorised = await anonymous.PostAsync(new Uri("api/clicks", UriKind.Relative), Json(batch)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, unauthorised.StatusCode);
        }

        var expected = new Counts(Requests: 4, Stored: 3, Duplicates: 3, Refused: 2, Throttled: 0);
        Counts seen = default;
        await Eventually.TrueAsync(() => (seen = Sum(program.Output)) == expected, TimeSpan.FromSeconds(60),
            $"the summary lines should add up to {expected}");
        Assert.Equal(expected, seen);
    }

    private static async Task<string> TokenAsync(JsonElement credentials)
    {
        using var issuer = new HttpClient { BaseAddress = new Uri(credentials.GetProperty("authority").GetString()!) };
        using var response = await issuer.PostAsJsonAsync(new Uri("oauth/token", UriKind.Relative), new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = credentials.GetProperty("clientId").GetString()!,
            ["client_secret"] = credentials.GetProperty("clientSecret").GetString()!,
            ["audience"] = credentials.GetProperty("audience").GetString()!,
        });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!;
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static IEnumerable<Match> SummaryLines(IEnumerable<string> output) =>
        output.Select(line => Summary().Match(line)).Where(m => m.Success);

    private static Counts Sum(IEnumerable<string> output)
    {
        var total = default(Counts);
        foreach (var match in SummaryLines(output))
        {
            int Of(string group) => int.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture);
            total = new Counts(
                total.Requests + Of("requests"), total.Stored + Of("stored"), total.Duplicates + Of("duplicates"),
                total.Refused + Of("refused"), total.Throttled + Of("throttled"));
        }

        return total;
    }

    private readonly record struct Counts(int Requests, int Stored, int Duplicates, int Refused, int Throttled);

    [GeneratedRegex(@"LocalHost\.Metrics.*worker metrics, last \d+ s: (?<requests>\d+) requests \([0-9.]+ req/s\), stored (?<stored>\d+), duplicates (?<duplicates>\d+), refused (?<refused>\d+), throttled (?<throttled>\d+)$")]
    private static partial Regex Summary();
}
