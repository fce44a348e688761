using ButtonFunctions.Read;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace ButtonFunctions.Functions;

/// <summary>
/// <c>GET /api/clicks</c>: stored clicks, newest first, filtered and paged with an opaque cursor (README, "GET /api/clicks").
/// The token and its <c>read:clicks</c> scope are checked before this, by the worker middleware.
/// </summary>
public sealed class ListClicks(ClickReading reading)
{
    [Function(nameof(ListClicks))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/clicks")] HttpRequest request) =>
        ReadResponses.ToHttp(request, await reading.ListAsync(request.QueryString.Value, request.HttpContext.RequestAborted));
}
