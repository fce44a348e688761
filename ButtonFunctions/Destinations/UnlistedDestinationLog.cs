using ButtonFunctions.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ButtonFunctions.Destinations;

/// <summary>
/// The log line for confirmations of destinations that are not in <c>Destinations:AllowedArns</c>: anyone can send
/// those, so at most one line is written per <see cref="DestinationOptions.ConfirmationWindow"/> and each says how many
/// were held back. One per process (the confirmer itself is created per request).
/// </summary>
public sealed partial class UnlistedDestinationLog
{
    private readonly LogSampler _sampler;
    private readonly ILogger<DestinationConfirmer> _logger;

    public UnlistedDestinationLog(IOptions<DestinationOptions> options, ILogger<DestinationConfirmer> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _sampler = new LogSampler(options.Value.ConfirmationWindow);
        _logger = logger;
    }

    public void Write(DestinationConfirmationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (_sampler.ShouldLog(out var heldBack))
        {
            LogUnlisted(_logger, request.Arn, heldBack, request.ConfirmCommand, request.EnableCommand);
        }
    }

    [LoggerMessage(EventId = 3103, Level = LogLevel.Warning, Message = "Destination confirmation for {Arn} ignored and not recorded: the ARN is not in Destinations:AllowedArns ({HeldBack} more such requests since the previous line; at most one line per Destinations:ConfirmationWindow). If it is yours, allow-list it, or confirm it: {ConfirmCommand}, then enable it: {EnableCommand}")]
    private static partial void LogUnlisted(ILogger logger, string arn, long heldBack, string confirmCommand, string enableCommand);
}
