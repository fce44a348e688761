using ButtonFunctions.Clicks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ButtonFunctions.Read;

/// <summary>
/// What a read request came to: a body to send (<see cref="ReadOutcome.Ok"/>), a refused parameter
/// (<see cref="Refused"/>), or a store outcome that kept the answer from being read.
/// </summary>
public sealed record ReadAnswer
{
    private ReadAnswer(ReadOutcome outcome, object? body, QueryError? refused, TimeSpan? retryAfter) =>
        (Outcome, Body, Refused, RetryAfter) = (outcome, body, refused, retryAfter);

    public ReadOutcome Outcome { get; }

    public object? Body { get; }

    public QueryError? Refused { get; }

    public TimeSpan? RetryAfter { get; }

    public static ReadAnswer Ok(object body) => new(ReadOutcome.Ok, body, null, null);

    public static ReadAnswer Invalid(QueryError error) => new(ReadOutcome.Ok, null, error, null);

    public static ReadAnswer NotRead(ReadOutcome outcome, TimeSpan? retryAfter) => new(outcome, null, null, retryAfter);
}

/// <summary>
/// The read use cases behind <c>GET /api/clicks</c> and <c>GET /api/clicks/summary</c>: validate the query, ask the
/// store, shape the answer. The functions only map the <see cref="ReadAnswer"/> to HTTP.
/// </summary>
public sealed partial class ClickReading
{
    private readonly IClickReader _reader;
    private readonly BatteryThresholds _thresholds;
    private readonly TimeProvider _time;
    private readonly ILogger<ClickReading> _logger;

    public ClickReading(IClickReader reader, IOptions<BatteryOptions> battery, TimeProvider time, ILogger<ClickReading> logger)
    {
        ArgumentNullException.ThrowIfNull(battery);
        _reader = reader;
        _thresholds = battery.Value.Thresholds;
        _time = time;
        _logger = logger;
    }

    public async Task<ReadAnswer> ListAsync(string? rawQuery, CancellationToken cancellationToken)
    {
        if (ClickListQuery.Parse(rawQuery, out var error) is not { } request)
        {
            LogRefused(_logger, "list", error!.Parameter, error.Detail);
            return ReadAnswer.Invalid(error);
        }

        var result = await _reader.ListAsync(request.Filter, request.After, request.Limit, cancellationToken).ConfigureAwait(false);
        return result.Outcome == ReadOutcome.Ok
            ? ReadAnswer.Ok(ReadJson.Page(request, result.Value!))
            : ReadAnswer.NotRead(result.Outcome, result.RetryAfter);
    }

    public async Task<ReadAnswer> SummarizeAsync(string? rawQuery, CancellationToken cancellationToken)
    {
        if (SummaryQuery.Parse(rawQuery, _time.GetUtcNow(), _thresholds, out var error) is not { } request)
        {
            LogRefused(_logger, "summary", error!.Parameter, error.Detail);
            return ReadAnswer.Invalid(error);
        }

        var result = await _reader.SummarizeAsync(request, cancellationToken).ConfigureAwait(false);
        return result.Outcome == ReadOutcome.Ok
            ? ReadAnswer.Ok(ReadJson.Summary(request, result.Value!))
            : ReadAnswer.NotRead(result.Outcome, result.RetryAfter);
    }

    [LoggerMessage(EventId = 3310, Level = LogLevel.Warning, Message = "Refused a {Operation} read: parameter {Parameter}: {Detail}")]
    private static partial void LogRefused(ILogger logger, string operation, string parameter, string detail);
}
