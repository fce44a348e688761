using ButtonFunctions.Read;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace ButtonFunctions.Functions;

/// <summary>
/// <c>GET /api/clicks/summary</c>: per-device figures, totals and a click series for a time range, computed by the
/// store (README, "GET /api/clicks/summary"). Scope <c>read:clicks</c>, checked by the worker middleware.
/// </summary>
public sealed class ClickSummary(ClickReading reading)
{
    [Function(nameof(ClickSummary))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/clicks/summary")] HttpRequest request) =>
        ReadResponses.ToHttp(request, await reading.SummarizeAsync(request.QueryString.Value, request.HttpContext.RequestAborted));
}
