using System.Text;
using System.Text.Json;
using ButtonFunctions.Clicks;
using ButtonFunctions.Functions;
using ButtonFunctions.Read;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace ButtonFunctions.Tests.Functions;

/// <summary>How a read answer becomes HTTP, written by MVC's real executors: the store outcomes end-to-end tests cannot provoke.</summary>
public sealed class ReadResponsesTests
{
    private static readonly IServiceProvider ResultServices = new ServiceCollection().AddLogging().AddMvcCore().Services.BuildServiceProvider();

    private static async Task<(HttpResponse Response, JsonElement Body)> SendAsync(ReadAnswer answer)
    {
        var http = new DefaultHttpContext { RequestServices = ResultServices };
        var body = new MemoryStream();
        http.Response.Body = body;

        await ReadResponses.ToHttp(http.Request, answer).ExecuteResultAsync(new ActionContext { HttpContext = http });

        return (http.Response, JsonDocument.Parse(Encoding.UTF8.GetString(body.ToArray())).RootElement.Clone());
    }

    [Theory]
    [InlineData(ReadOutcome.Throttled, 2_100, 429, "store-throttled", "3")]
    [InlineData(ReadOutcome.Throttled, null, 429, "store-throttled", "1")]
    [InlineData(ReadOutcome.Unavailable, null, 503, "store-unavailable", "5")]
    [InlineData(ReadOutcome.Failed, null, 500, "store-error", "")]
    public async Task A_store_outcome_is_a_problem_with_retry_after_where_retrying_helps(ReadOutcome outcome, int? hintMs, int status, string type, string retryAfter)
    {
        var (response, problem) = await SendAsync(ReadAnswer.NotRead(outcome, hintMs is { } ms ? TimeSpan.FromMilliseconds(ms) : null));

        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.ContentType);
        Assert.Equal("urn:buttonfunctions:problem:" + type, problem.GetProperty("type").GetString());
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        Assert.Equal(retryAfter, response.Headers.RetryAfter.ToString());
        Assert.Equal("no-store", response.Headers.CacheControl.ToString());
    }

    [Fact]
    public async Task A_refused_parameter_is_a_400_naming_it()
    {
        var (response, problem) = await SendAsync(ReadAnswer.Invalid(new QueryError("limit", "limit must be a whole number from 1 to 500.")));

        Assert.Equal(400, response.StatusCode);
        Assert.Equal("application/problem+json", response.ContentType);
        Assert.Equal("urn:buttonfunctions:problem:invalid-query", problem.GetProperty("type").GetString());
        Assert.Equal("limit", problem.GetProperty("parameter").GetString());
        Assert.Equal("no-store", response.Headers.CacheControl.ToString());
    }

    [Fact]
    public async Task A_page_is_json_with_a_null_next_cursor_and_no_absent_fields()
    {
        var page = new ClickPage(
        [
            new StoredClick
            {
                Id = "a", DeviceId = "d", ClickType = "SINGLE", Source = "mqtt-button",
                OccurredAt = new DateTimeOffset(2026, 12, 1, 10, 0, 0, 5, TimeSpan.FromHours(1)),
                ReceivedAt = new DateTimeOffset(2026, 12, 1, 9, 0, 1, TimeSpan.Zero),
            },
        ], null);

        var (response, body) = await SendAsync(ReadAnswer.Ok(ReadJson.Page(new ClickListRequest(ClickFilter.None, null, 50), page)));

        Assert.Equal(200, response.StatusCode);
        Assert.Equal("application/json; charset=utf-8", response.ContentType);
        Assert.Equal(
            """{"items":[{"id":"a","deviceId":"d","clickType":"SINGLE","occurredAt":"2026-12-01T09:00:00.005Z","receivedAt":"2026-12-01T09:00:01.000Z","source":"mqtt-button"}],"nextCursor":null}""",
            body.GetRawText());
    }
}
