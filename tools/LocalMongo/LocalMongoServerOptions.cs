using Microsoft.Extensions.Logging;

namespace LocalMongo;

/// <summary>How a <see cref="LocalMongoServer"/> presents itself: its port, clock, and the server it imitates.</summary>
public sealed class LocalMongoServerOptions
{
    /// <summary>MongoDB 7.0, the newest server version Cosmos DB for MongoDB offers.</summary>
    public const int DefaultMaxWireVersion = 21;

    /// <summary>TCP port on 127.0.0.1; 0 picks a free one.</summary>
    public int Port { get; set; }

    public ILogger? Logger { get; set; }

    /// <summary>Clock for fail-point blocks and cursor timeouts (tests pass a fake one).</summary>
    public TimeProvider Time { get; set; } = TimeProvider.System;

    /// <summary>
    /// When false, <c>configureFailPoint</c> does not exist, as on a mongod started without
    /// <c>enableTestCommands</c> (and on Cosmos DB): it answers <c>no such command</c> (59, CommandNotFound).
    /// </summary>
    public bool FailPoints { get; set; } = true;

    /// <summary>
    /// The <c>maxWireVersion</c> the handshake advertises (9 = MongoDB 4.4, 8 = 4.2, ...): lower it to see how a
    /// client treats a server it does not support. <c>buildInfo</c> reports the matching server version.
    /// </summary>
    public int MaxWireVersion { get; set; } = DefaultMaxWireVersion;

    /// <summary>
    /// The newest MongoDB release whose wire version is at most <paramref name="wireVersion"/> (MongoDB's wire version
    /// table: 3.6 = 6, 4.0 = 7, 4.2 = 8, 4.4 = 9, 5.0 = 13, 6.0 = 17, 7.0 = 21), for <c>buildInfo</c>.
    /// </summary>
    public static string ServerVersionFor(int wireVersion) => wireVersion switch
    {
        >= 21 => "7.0.0",
        >= 17 => "6.0.0",
        >= 13 => "5.0.0",
        >= 9 => "4.4.0",
        8 => "4.2.0",
        7 => "4.0.0",
        _ => "3.6.0",
    };

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Port, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Port, 65535);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxWireVersion, 0);
        ArgumentNullException.ThrowIfNull(Time);
    }
}
