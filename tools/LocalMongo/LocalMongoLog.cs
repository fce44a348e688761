using Microsoft.Extensions.Logging;

namespace LocalMongo;

/// <summary>Structured log events of LocalMongo.</summary>
internal static partial class LocalMongoLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "LocalMongo listening on 127.0.0.1:{Port}")]
    public static partial void Listening(ILogger logger, int port);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "LocalMongo stopped listening on port {Port}; {Connections} connections closed")]
    public static partial void StoppedListening(ILogger logger, int port, int connections);

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "Connection {ConnectionId} opened from {Remote}")]
    public static partial void ConnectionOpened(ILogger logger, int connectionId, System.Net.EndPoint? remote);

    [LoggerMessage(EventId = 4, Level = LogLevel.Debug, Message = "Connection {ConnectionId} closed")]
    public static partial void ConnectionClosed(ILogger logger, int connectionId);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "Connection {ConnectionId} sent a malformed message ({Reason}); closing that connection")]
    public static partial void MalformedMessage(ILogger logger, int connectionId, string reason);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "failCommand fail point configured with mode {Mode}")]
    public static partial void FailPointConfigured(ILogger logger, MongoDB.Bson.BsonValue mode);

    [LoggerMessage(EventId = 7, Level = LogLevel.Information, Message = "failCommand fired for {Command} on connection {ConnectionId} (errorCode {ErrorCode}, closeConnection {CloseConnection})")]
    public static partial void FailPointFired(ILogger logger, string command, int connectionId, int? errorCode, bool closeConnection);

    [LoggerMessage(EventId = 8, Level = LogLevel.Warning, Message = "Command {Command} on connection {ConnectionId} was rejected")]
    public static partial void CommandRejected(ILogger logger, Exception exception, string command, int connectionId);

    [LoggerMessage(EventId = 9, Level = LogLevel.Error, Message = "Connection {ConnectionId} failed unexpectedly")]
    public static partial void ConnectionFailed(ILogger logger, Exception exception, int connectionId);
}
