using System.Globalization;
using System.Text.Json;
using ButtonFunctions.Clicks;
using ButtonFunctions.Read;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace ButtonFunctions.Functions;

/// <summary>Maps a <see cref="ReadAnswer"/> to HTTP for both read functions; nothing of a read answer is cacheable.</summary>
internal static class ReadResponses
{
    public static IActionResult ToHttp(HttpRequest request, ReadAnswer answer)
    {
        var headers = request.HttpContext.Response.Headers;
        headers.CacheControl = "no-store";
        if (answer.Refused is { } refused)
        {
            return Problem(ReadProblems.InvalidQueryProblem(refused));
        }

        switch (answer.Outcome)
        {
            case ReadOutcome.Ok:
                return new ContentResult
                {
                    StatusCode = StatusCodes.Status200OK,
                    ContentType = "application/json; charset=utf-8",
                    Content = JsonSerializer.Serialize(answer.Body, answer.Body!.GetType(), ReadJson.Options),
                };
            case ReadOutcome.Throttled:
                SetRetryAfter(headers, answer.RetryAfter);
                return Problem(new ProblemDetails
                {
                    Status = StatusCodes.Status429TooManyRequests,
                    Type = ReadProblems.StoreThrottled,
                    Title = "Store throttled",
                    Detail = "The store is rate limiting; retry after the Retry-After delay.",
                });
            case ReadOutcome.Unavailable:
                SetRetryAfter(headers, answer.RetryAfter);
                return Problem(new ProblemDetails
                {
                    Status = StatusCodes.Status503ServiceUnavailable,
                    Type = ReadProblems.StoreUnavailable,
                    Title = "Store unavailable",
                    Detail = "The store could not be reached in time; retry after the Retry-After delay.",
                });
            default:
                return Problem(new ProblemDetails
                {
                    Status = StatusCodes.Status500InternalServerError,
                    Type = ReadProblems.StoreError,
                    Title = "Store error",
                    Detail = "The store refused the query; see the function's log.",
                });
        }
    }

    private static void SetRetryAfter(IHeaderDictionary headers, TimeSpan? retryAfter) =>
        headers.RetryAfter = Math.Max(1, (int)Math.Ceiling((retryAfter ?? TimeSpan.FromSeconds(1)).TotalSeconds)).ToString(CultureInfo.InvariantCulture);

    private static ObjectResult Problem(ProblemDetails problem)
    {
        var result = new ObjectResult(problem) { StatusCode = problem.Status };
        result.ContentTypes.Add("application/problem+json");
        return result;
    }
}
