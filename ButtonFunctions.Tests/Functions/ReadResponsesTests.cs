using System.Text.Json;
using ButtonFunctions.Clicks;
using ButtonFunctions.Functions;
using ButtonFunctions.Read;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace ButtonFunctions.Tests.Functions;

/// <summary>How a read answer becomes HTTP: the store outcomes the end-to-end tests cannot provoke on demand.</summary>
public sealed class ReadResponsesTests
{
    private static (IActionResult Result, HttpResponse Response) Map(ReadAnswer answer)
    {
        var context = new DefaultHttpContext();
        return (ReadResponses.ToHttp(context.Request, answer), context.Response);
    }

    [Theory]
    [InlineData(ReadOutcome.Throttled, 429, "store-throttled", "3")]
    [InlineData(ReadOutcome.Unavailable, 503, "store-unavailable", "5")]
    [InlineData(ReadOutcome.Failed, 500, "store-error", null)]
    public void A_store_outcome_is_a_problem_with_retry_after_where_retrying_helps(ReadOutcome outcome, int status, string type, string? retryAfter)
    {
        var (result, response) = Map(ReadAnswer.NotRead(outcome, outcome == ReadOutcome.Throttled ? TimeSpan.FromMilliseconds(2_100) : TimeSpan.FromSeconds(5)));

        var problem = Assert.IsType<ObjectResult>(result);
        Assert.Equal(status, problem.StatusCode);
        Assert.Equal(["application/problem+json"], problem.ContentTypes);
        var details = Assert.IsType<ProblemDetails>(problem.Value);
        Assert.Equal("urn:buttonfunctions:problem:" + type, details.Type);
        Assert.Equal(status, details.Status);
        Assert.Equal(retryAfter, response.Headers.RetryAfter.Count == 0 ? null : response.Headers.RetryAfter.ToString());
        Assert.Equal("no-store", response.Headers.CacheControl.ToString());
    }

    [Fact]
    public void A_refused_parameter_is_a_400_naming_it()
    {
        var (result, response) = Map(ReadAnswer.Invalid(new QueryError("limit", "limit must be a whole number from 1 to 500.")));

        var problem = Assert.IsType<ObjectResult>(result);
        Assert.Equal(400, problem.StatusCode);
        var details = Assert.IsType<ProblemDetails>(problem.Value);
        Assert.Equal(ReadProblems.InvalidQuery, details.Type);
        Assert.Equal("limit", details.Extensions["parameter"]);
        Assert.Equal("no-store", response.Headers.CacheControl.ToString());
    }

    [Fact]
    public void A_page_is_json_with_a_null_next_cursor_and_no_absent_fields()
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
        var (result, _) = Map(ReadAnswer.Ok(ReadJson.Page(new ClickListRequest(ClickFilter.None, null, 50), page)));

        var content = Assert.IsType<ContentResult>(result);
        Assert.Equal(200, content.StatusCode);
        Assert.Equal("application/json; charset=utf-8", content.ContentType);
        Assert.Equal(
            """{"items":[{"id":"a","deviceId":"d","clickType":"SINGLE","occurredAt":"2026-12-01T09:00:00.005Z","receivedAt":"2026-12-01T09:00:01.000Z","source":"mqtt-button"}],"nextCursor":null}""",
            content.Content);
        Assert.Equal(JsonValueKind.Null, JsonDocument.Parse(content.Content!).RootElement.GetProperty("nextCursor").ValueKind);
    }
}
