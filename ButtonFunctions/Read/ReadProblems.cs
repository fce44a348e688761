using ButtonFunctions.Http;
using Microsoft.AspNetCore.Mvc;

namespace ButtonFunctions.Read;

/// <summary>The problem+json <c>type</c> URIs of the read API; the store ones are the same as ingestion's.</summary>
public static class ReadProblems
{
    public const string InvalidQuery = ProblemTypes.Prefix + "invalid-query";
    public const string StoreThrottled = ProblemTypes.Prefix + "store-throttled";
    public const string StoreUnavailable = ProblemTypes.Prefix + "store-unavailable";
    public const string StoreError = ProblemTypes.Prefix + "store-error";

    /// <summary>400 naming the refused parameter in the extension member <c>parameter</c>.</summary>
    public static ProblemDetails InvalidQueryProblem(QueryError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var problem = new ProblemDetails { Status = 400, Type = InvalidQuery, Title = "Invalid query", Detail = error.Detail };
        problem.Extensions["parameter"] = error.Parameter;
        return problem;
    }
}
