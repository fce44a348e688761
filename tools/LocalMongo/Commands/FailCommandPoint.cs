using System.Globalization;
using MongoDB.Bson;

namespace LocalMongo.Commands;

/// <summary>
/// mongod's <c>failCommand</c> fail point, configured with the same test command:
/// <c>{ configureFailPoint: "failCommand", mode: "alwaysOn" | "off" | { times: n } | { skip: n } | { activationProbability: p },
/// data: { failCommands: [...], errorCode, closeConnection, blockConnection, blockTimeMS,
/// writeConcernError, errorLabels, appName } }</c>. Two LocalMongo extensions, which a real mongod ignores:
/// <c>data.errmsg</c> replaces mongod's fixed message (Cosmos DB puts <c>RetryAfterMs=n</c> there), and
/// <c>data.writeErrorsFrom: k</c> makes an insert store documents 0..k-1 and report the rest as write
/// errors with <c>errorCode</c> (Cosmos DB throttling only part of a batch; mongod fails the whole command).
/// </summary>
internal sealed class FailCommandPoint
{
    public const string DefaultMessage = "Failing command via 'failCommand' failpoint";

    private readonly object _sync = new();
    private Mode _mode = Mode.Off;
    private long _modeValue;
    private long _timesEntered;
    private FailAction? _action;

    private enum Mode
    {
        Off,
        AlwaysOn,
        Times,
        Skip,

        /// <summary>mongod's "random" mode: each matching command fires with the configured probability.</summary>
        Random,
    }

    /// <summary>Applies a configureFailPoint command; the reply carries how often the point fired before.</summary>
    public BsonDocument Configure(BsonDocument command)
    {
        var mode = command.GetValue("mode", BsonNull.Value);
        Mode newMode;
        long value = 0;
        switch (mode)
        {
            case BsonString { Value: "off" }:
                newMode = Mode.Off;
                break;
            case BsonString { Value: "alwaysOn" }:
                newMode = Mode.AlwaysOn;
                break;
            case BsonDocument d when d.TryGetValue("times", out var times) && times.IsNumeric:
                newMode = Mode.Times;
                value = times.ToInt64();
                break;
            case BsonDocument d when d.TryGetValue("skip", out var skip) && skip.IsNumeric:
                newMode = Mode.Skip;
                value = skip.ToInt64();
                break;
            case BsonDocument d when d.TryGetValue("activationProbability", out var probability):
                // As mongod parses it: any number in [0, 1], kept as a fraction of int.MaxValue and compared with a
                // uniformly drawn non-negative int on every matching command.
                if (!probability.IsNumeric)
                {
                    throw new CommandException(ErrorCodes.TypeMismatch, "the 'activationProbability' option to 'mode' must be a double between 0 and 1");
                }

                var p = probability.ToDouble();
                if (!(p is >= 0 and <= 1))
                {
                    throw new CommandException(ErrorCodes.BadValue, string.Create(CultureInfo.InvariantCulture, $"activationProbability must be between 0.0 and 1.0; found {p}"));
                }

                newMode = Mode.Random;
                value = (long)(int.MaxValue * p);
                break;
            default:
                throw new CommandException(ErrorCodes.BadValue, "'mode' must be one of 'off', 'alwaysOn', 'times', and 'skip'");
        }

        if (value < 0)
        {
            throw new CommandException(ErrorCodes.BadValue, "mode value must be non-negative");
        }

        var action = newMode == Mode.Off ? null : FailAction.Parse(command.GetValue("data", new BsonDocument()) as BsonDocument
            ?? throw new CommandException(ErrorCodes.TypeMismatch, "the 'data' field must be a document"));

        lock (_sync)
        {
            var previous = _timesEntered;
            _mode = newMode == Mode.Times && value == 0 ? Mode.Off : newMode;
            _modeValue = value;
            _timesEntered = 0;
            _action = action;
            return new BsonDocument { { "count", previous }, { "ok", 1.0 } };
        }
    }

    /// <summary>The action to take for this command, or null; consumes one of "times" when it fires.</summary>
    public FailAction? Evaluate(string commandName, string database, string? collection, string? appName)
    {
        lock (_sync)
        {
            if (_mode == Mode.Off || _action is null || !_action.Applies(commandName, database, collection, appName))
            {
                return null;
            }

            switch (_mode)
            {
                case Mode.Skip when _modeValue > 0:
                    _modeValue--;
                    return null;
                case Mode.Times:
                    if (--_modeValue <= 0)
                    {
                        _mode = Mode.Off;
                    }

                    break;
                case Mode.Random when Random.Shared.Next() >= _modeValue:
                    return null;
            }

            _timesEntered++;
            return _action;
        }
    }
}

/// <summary>What a fired fail point does, in mongod's order: close, else block, then fail or annotate.</summary>
internal sealed class FailAction
{
    private HashSet<string> Commands { get; init; } = [];

    public int? ErrorCode { get; private init; }

    public string Message { get; private init; } = FailCommandPoint.DefaultMessage;

    public bool CloseConnection { get; private init; }

    public TimeSpan? Block { get; private init; }

    public BsonDocument? WriteConcernError { get; private init; }

    public BsonArray? ErrorLabels { get; private init; }

    public int? WriteErrorsFrom { get; private init; }

    private string? AppName { get; init; }

    private string? Namespace { get; init; }

    public static FailAction Parse(BsonDocument data)
    {
        if (data.GetValue("failCommands", BsonNull.Value) is not BsonArray commands || commands.Any(c => !c.IsString))
        {
            throw new CommandException(ErrorCodes.BadValue, "'failCommands' must be an array of command names");
        }

        TimeSpan? block = null;
        if (data.GetValue("blockConnection", false).ToBoolean())
        {
            if (!data.TryGetValue("blockTimeMS", out var ms) || !ms.IsNumeric)
            {
                throw new CommandException(ErrorCodes.BadValue, "'blockTimeMS' must be set when 'blockConnection' is true");
            }

            block = TimeSpan.FromMilliseconds(ms.ToDouble());
        }

        return new FailAction
        {
            Commands = [.. commands.Select(c => c.AsString)],
            ErrorCode = data.TryGetValue("errorCode", out var code) && code.IsNumeric ? code.ToInt32() : null,
            Message = data.TryGetValue("errmsg", out var message) && message.IsString ? message.AsString : FailCommandPoint.DefaultMessage,
            CloseConnection = data.GetValue("closeConnection", false).ToBoolean(),
            Block = block,
            WriteConcernError = data.GetValue("writeConcernError", BsonNull.Value) as BsonDocument,
            ErrorLabels = data.GetValue("errorLabels", BsonNull.Value) as BsonArray,
            WriteErrorsFrom = data.TryGetValue("writeErrorsFrom", out var from) && from.IsNumeric ? Math.Max(0, from.ToInt32()) : null,
            AppName = data.TryGetValue("appName", out var app) && app.IsString ? app.AsString : null,
            Namespace = data.TryGetValue("namespace", out var ns) && ns.IsString ? ns.AsString : null,
        };
    }

    public bool Applies(string commandName, string database, string? collection, string? appName) =>
        Commands.Contains(commandName)
        && (AppName is null || AppName == appName)
        && (Namespace is null || Namespace == database + "." + collection);

    public BsonDocument ErrorReply()
    {
        var reply = ErrorCodes.Reply(ErrorCode!.Value, Message);
        if (ErrorLabels is not null)
        {
            reply.Add("errorLabels", ErrorLabels);
        }

        return reply;
    }
}
