using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Reflection;

namespace ButtonFunctions.Diagnostics;

/// <summary>
/// The app's one <see cref="Meter"/> and one <see cref="ActivitySource"/>, both named after the app. Static, like the
/// runtime's own: created once per process, free to call when nothing listens (no exporter configured), and the names
/// are what an exporter subscribes to (<c>Telemetry/TelemetryApplicationBuilderExtensions</c>).
/// </summary>
public static class AppTelemetry
{
    /// <summary>The name of the meter and of the activity source.</summary>
    public const string Name = "ButtonFunctions";

    /// <summary>Attribute on the request's activity: the AWS IoT rule's <c>traceid()</c> of each click, in request order.</summary>
    public const string AwsTraceIdAttribute = "aws.iot.trace_id";

    /// <summary>At most this many trace ids go on one activity (an AWS batch holds at most 10 messages).</summary>
    public const int MaxTraceIdsPerActivity = 10;

    public static readonly string Version =
        typeof(AppTelemetry).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? "0.0.0";

    public static readonly Meter Meter = new(Name, Version);

    public static readonly ActivitySource ActivitySource = new(Name, Version);
}
