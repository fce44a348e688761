using Microsoft.Extensions.Logging;

namespace LocalHost;

/// <summary>Lets the internal web servers log through the caller's logger factory, with their own filters applied first.</summary>
internal sealed class ForwardingLoggerProvider(ILoggerFactory target) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => target.CreateLogger(categoryName);

    public void Dispose()
    {
        // The target factory belongs to the caller.
    }
}
