using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;

namespace ButtonFunctions.Telemetry;

/// <summary>
/// Log levels the app starts from, under every other configuration source, so an app setting such as
/// <c>Logging__LogLevel__Microsoft.AspNetCore=Information</c> still wins. ASP.NET Core writes four Information lines for
/// every request (request starting and finished, endpoint executing and executed) plus one per result; the worker sends
/// each one over the host's gRPC stream, where it costs both processes CPU on every click for text that the request
/// counter and the request activity already carry (README "Performance and reliability"). At Warning its warnings and
/// errors still arrive; the app's own categories keep Information for the events that are not routine.
/// </summary>
public static class LoggingDefaults
{
    /// <summary>The category prefix of ASP.NET Core's logs (kept at Warning and above unless a setting says otherwise).</summary>
    public const string AspNetCoreCategory = "Microsoft.AspNetCore";

    public static IReadOnlyDictionary<string, string?> Values { get; } = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
    {
        ["Logging:LogLevel:" + AspNetCoreCategory] = "Warning",
    };

    /// <summary>Puts <see cref="Values"/> first among the sources, where every later source overrides it.</summary>
    public static void AddTo(IConfigurationBuilder configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = Values });
    }
}
