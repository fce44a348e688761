using Microsoft.Extensions.Logging;
using LocalMongo.Query;
using MongoDB.Bson;

namespace LocalMongo.Commands;

/// <summary>mongod's <c>configureFailPoint</c> test command (only <c>failCommand</c>), which the fault tests drive.</summary>
internal sealed class FailPointCommands(FailCommandPoint failPoint, ILogger logger) : ICommandFamily
{
    public IReadOnlyCollection<string> Names { get; } = ["configureFailPoint"];

    public BsonDocument Run(string name, BsonDocument command, CommandScope scope) => name switch
    {
        "configureFailPoint" => ConfigureFailPoint(command, scope.Database),
        _ => throw new InvalidOperationException(name),
    };

    private BsonDocument ConfigureFailPoint(BsonDocument cmd, string db)
    {
        if (db != "admin")
        {
            throw new CommandException(ErrorCodes.Unauthorized, "configureFailPoint may only be run against the admin database.");
        }

        var point = cmd[0] is BsonString s ? s.Value : string.Empty;
        if (point != "failCommand")
        {
            throw Filter.NotImplemented($"the fail point '{point}' (only 'failCommand' exists here)");
        }

        var reply = failPoint.Configure(cmd);
        var mode = cmd.GetValue("mode", BsonNull.Value);
        LocalMongoLog.FailPointConfigured(logger, mode);
        return reply;
    }
}
