using System.Net;
using System.Text;
using ButtonFunctions.Telemetry;
using ButtonFunctions.Tests.Support;

namespace ButtonFunctions.Tests.EndToEnd;

/// <summary>Its own app stack: the log sampler's first line of a kind must not have been spent by another test.</summary>
public sealed class ExportedLogsAppFixture : AppFixture;

/// <summary>
/// What the real worker's OpenTelemetry log exporter sends (received by LocalHost's OTLP collector, as Azure Monitor
/// would receive it): nothing per accepted request, and the first refused click's warning with its details.
/// </summary>
public sealed class ExportedLogsEndToEndTests(ExportedLogsAppFixture app) : IClassFixture<ExportedLogsAppFixture>
{
    private const int Accepted = 30;
    private const int Warning = 13; // OTLP SEVERITY_NUMBER_WARN
    private const int Information = 9; // OTLP SEVERITY_NUMBER_INFO

    [Fact]
    public async Task Accepted_requests_export_no_line_each_and_a_refused_click_exports_its_warning()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        for (var i = 0; i < Accepted; i++)
        {
            using var response = await app.Client.PostAsync(new Uri("/api/clicks", UriKind.Relative), Json(
                $$"""{"serialNumber":"G030LOGS{{i:D3}}","batteryVoltage":"1650mV","clickType":"SINGLE","topic":"iotbutton/G030LOGS{{i:D3}}","receivedAtMs":1764064800123,"traceId":"{{run}}-{{i}}"}"""));
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        using (var refused = await app.Client.PostAsync(new Uri("/api/clicks", UriKind.Relative), Json(
            $$"""[{"serialNumber":"G030LOGSBAD","batteryVoltage":"1650mV","clickType":"TRIPLE","topic":"iotbutton/G030LOGSBAD","receivedAtMs":1764064800123,"traceId":"{{run}}-bad"}]""")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        }

        // The exporter sends records in order: once the warning has arrived, so has every line the accepted requests wrote.
        await Eventually.TrueAsync(
            () => app.Host.Telemetry.Logs.Any(l => l.Scope == "ButtonFunctions.Ingest.ClickIngestion" && l.Severity >= Warning && l.Body.Contains("Refused", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30), "the refused click's warning reached LocalHost's collector");

        var logs = app.Host.Telemetry.Logs;
        Assert.DoesNotContain(logs, l => l.Scope.StartsWith(LoggingDefaults.AspNetCoreCategory, StringComparison.Ordinal) && l.Severity < Warning);
        var perCategory = logs.Where(l => l.Severity >= Information).GroupBy(l => l.Scope).ToDictionary(g => g.Key, g => g.Count());
        Assert.All(perCategory, pair => Assert.True(pair.Value < Accepted, $"{pair.Key} exported {pair.Value} lines for {Accepted} accepted requests"));
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
