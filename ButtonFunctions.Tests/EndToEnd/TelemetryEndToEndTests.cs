using System.Net;
using System.Text;
using ButtonFunctions.Diagnostics;
using ButtonFunctions.Tests.Support;
using ReceivedSpan = LocalHost.Telemetry.ReceivedSpan;

namespace ButtonFunctions.Tests.EndToEnd;

/// <summary>
/// The real worker's OTLP exporter, through LocalHost's collector: one click can be followed from the AWS rule's
/// trace id to the store call, in one trace.
/// </summary>
[Collection(SharedApp.Name)]
public sealed class TelemetryEndToEndTests(SharedAppFixture app)
{
    [Fact]
    public async Task The_request_span_carries_the_aws_trace_ids_and_the_store_call_is_in_the_same_trace()
    {
        var traceId = "otel-" + Guid.NewGuid().ToString("N");
        var body = $$"""[{"serialNumber":"G030OTEL001","batteryVoltage":"1650mV","clickType":"SINGLE","topic":"iotbutton/G030OTEL001","receivedAtMs":1764064800123,"traceId":"{{traceId}}"}]""";

        using (var response = await app.Client.PostAsync(new Uri("/api/clicks", UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        Assert.True(app.Host.ExportsToLocalHost, "LocalHost gives the worker its OTLP endpoint by default");
        ReceivedSpan? request = null;
        await Eventually.TrueAsync(() => (request = Find(traceId)) is not null, TimeSpan.FromSeconds(30),
            "the request span reached LocalHost; spans received: " + string.Join("; ", app.Host.Telemetry.Spans.Take(20).Select(s => $"{s.Scope}/{s.Name} {string.Join(",", s.Attributes.Select(a => a.Key + "=" + a.Value))}")));
        Assert.Equal(AppTelemetry.Name, request!.Scope);
        Assert.Equal("201", request.Attributes["http.response.status_code"]);

        // MongoDB.Driver's own span of the insert, under the request's trace.
        await Eventually.TrueAsync(
            () => app.Host.Telemetry.Spans.Any(s => s.TraceId == request.TraceId && s.Scope == "MongoDB.Driver"),
            TimeSpan.FromSeconds(30), "the driver's span of the store call is in the request's trace");
    }

    private ReceivedSpan? Find(string traceId) =>
        app.Host.Telemetry.Spans.FirstOrDefault(s =>
            s.Attributes.TryGetValue(AppTelemetry.AwsTraceIdAttribute, out var ids) && ids.Split(',').Contains(traceId));
}
