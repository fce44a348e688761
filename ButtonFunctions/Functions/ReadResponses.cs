using System.Text.Json;
using ButtonFunctions.Clicks;
using ButtonFunctions.Http;
using ButtonFunctions.Read;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace ButtonFunctions.Functions;

/// <summary>Maps a <see cref="ReadAnswer"/> to HTTP for both read functions; nothing of a read answer is cacheable.</summary>
internal static class ReadResponses
{
    public static IActionResult ToHttp(HttpRequest request, ReadAnswer answer)
    {
        var response = request.HttpContext.Response;
        response.Headers.CacheControl = "no-store";
        if (answer.Refused is { } refused)
        {
            var problem = Problems.Create(StatusCodes.Status400BadRequest, ProblemTypes.InvalidQuery, "Invalid query", refused.Detail);
            problem.Extensions["parameter"] = refused.Parameter;
            return Problems.Result(problem);
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
                RetryAfter.Set(response, answer.RetryAfter ?? RetryAfter.StoreThrottled);
                return Problems.Result(Problems.Create(StatusCodes.Status429TooManyRequests, ProblemTypes.StoreThrottled, "Store throttled",
                    "The store is rate limiting; retry after the Retry-After delay."));
            case ReadOutcome.Unavailable:
                RetryAfter.Set(response, RetryAfter.StoreUnavailable);
                return Problems.Result(Problems.Create(StatusCodes.Status503ServiceUnavailable, ProblemTypes.StoreUnavailable, "Store unavailable",
                    "The store could not be reached in time; retry after the Retry-After delay."));
            default:
                return Problems.Result(Problems.Create(StatusCodes.Status500InternalServerError, ProblemTypes.StoreError, "Store error",
                    "The store refused the query; see the function's log."));
        }
    }
}
