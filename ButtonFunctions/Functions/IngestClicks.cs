using System.Globalization;
using ButtonFunctions.Auth;
using ButtonFunctions.Ingest;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ButtonFunctions.Functions;

/// <summary>
/// <c>POST /api/clicks</c>: what the AWS IoT topic rule's HTTPS action calls. Authentication happens before
/// this in the worker middleware (destination confirmations, which carry no token, are let through);
/// this adapter only reads the request, hands it to <see cref="ClickIngestion"/> or
/// <see cref="DestinationConfirmer"/>, and writes the answer.
/// </summary>
public sealed partial class IngestClicks(
    ClickIngestion ingestion, DestinationConfirmer confirmer, IOptions<IngestOptions> options, ILogger<IngestClicks> logger)
{
    [Function(nameof(IngestClicks))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/clicks")] HttpRequest request,
        FunctionContext context)
    {
        var cancellationToken = request.HttpContext.RequestAborted;
        if (!JsonContentType.IsAcceptable(request.ContentType))
        {
            LogRefused(logger, StatusCodes.Status415UnsupportedMediaType, IngestProblems.UnsupportedMediaType);
            return Answer(request, new IngestResponse(StatusCodes.Status415UnsupportedMediaType, IngestProblems.Create(
                StatusCodes.Status415UnsupportedMediaType, IngestProblems.UnsupportedMediaType, "Unsupported media type",
                "Send clicks as JSON (Content-Type: application/json).")));
        }

        var maxBytes = options.Value.MaxBodyBytes;
        if (await RequestBodyReader.ReadAsync(request, maxBytes, cancellationToken) is not { } body)
        {
            LogRefused(logger, StatusCodes.Status413PayloadTooLarge, IngestProblems.BodyTooLarge);
            return Answer(request, new IngestResponse(StatusCodes.Status413PayloadTooLarge, IngestProblems.Create(
                StatusCodes.Status413PayloadTooLarge, IngestProblems.BodyTooLarge, "Body too large",
                string.Create(CultureInfo.InvariantCulture, $"The body is larger than {maxBytes} bytes."))));
        }

        if (DestinationConfirmationRequest.IsConfirmation(request))
        {
            return Answer(request, await ConfirmDestinationAsync(request, body, cancellationToken));
        }

        return Answer(request, await ingestion.IngestAsync(body, context.GetCaller()?.ClientId, cancellationToken));
    }

    private async Task<IngestResponse> ConfirmDestinationAsync(HttpRequest request, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        var headerArn = request.Headers[DestinationConfirmationRequest.DestinationArnHeader].ToString();
        if (DestinationConfirmationRequest.Parse(body, headerArn, out var error) is not { } confirmation)
        {
            LogRefused(logger, StatusCodes.Status400BadRequest, IngestProblems.InvalidDestinationConfirmation);
            return new IngestResponse(StatusCodes.Status400BadRequest, IngestProblems.Create(
                StatusCodes.Status400BadRequest, IngestProblems.InvalidDestinationConfirmation, "Invalid destination confirmation", error!));
        }

        var result = await confirmer.ConfirmAsync(confirmation, cancellationToken);

        // AWS is the only reader of this answer; the token stays out of it (the log has the full command).
        return new IngestResponse(StatusCodes.Status200OK, new DestinationConfirmationReceipt(
            result.Outcome,
            confirmation.Arn,
            result.Detail,
            result.Outcome == DestinationConfirmer.Confirmed ? null : DestinationConfirmationRequest.ConfirmCommandTemplate));
    }

    private static ObjectResult Answer(HttpRequest request, IngestResponse response)
    {
        if (response.RetryAfter is { } retryAfter)
        {
            request.HttpContext.Response.Headers.RetryAfter =
                Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }

        var result = new ObjectResult(response.Body) { StatusCode = response.StatusCode };
        if (response.Body is ProblemDetails)
        {
            result.ContentTypes.Add("application/problem+json");
        }

        return result;
    }

    [LoggerMessage(EventId = 3005, Level = LogLevel.Warning, Message = "Click request refused with {Status} ({ProblemType})")]
    private static partial void LogRefused(ILogger logger, int status, string problemType);
}

/// <summary>Body of the 200 answer to a destination confirmation.</summary>
/// <param name="Status">confirmed, not-followed or failed.</param>
/// <param name="Command">When not confirmed: the AWS CLI command that confirms it (token placeholder; the log has the token).</param>
public sealed record DestinationConfirmationReceipt(string Status, string Arn, string Detail, string? Command);
