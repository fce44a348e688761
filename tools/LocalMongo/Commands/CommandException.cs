using System.Globalization;
using MongoDB.Bson;

namespace LocalMongo.Commands;

/// <summary>A command failure, replied as mongod does: <c>{ ok: 0, errmsg, code, codeName }</c>.</summary>
internal sealed class CommandException : Exception
{
    public CommandException(int code, string message)
        : base(message)
    {
        Code = code;
    }

    public CommandException()
    {
    }

    public CommandException(string message)
        : base(message)
    {
    }

    public CommandException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public int Code { get; } = ErrorCodes.InternalError;

    public BsonDocument ToReply() => ErrorCodes.Reply(Code, Message);
}

/// <summary>The mongod error codes this server produces, with mongod's names for them.</summary>
internal static class ErrorCodes
{
    public const int InternalError = 1;
    public const int BadValue = 2;
    public const int FailedToParse = 9;
    public const int Unauthorized = 13;
    public const int TypeMismatch = 14;
    public const int InvalidLength = 16;
    public const int NamespaceNotFound = 26;
    public const int CursorNotFound = 43;
    public const int InvalidIdField = 53;
    public const int CommandNotFound = 59;
    public const int InvalidNamespace = 73;
    public const int IndexOptionsConflict = 85;
    public const int IndexKeySpecsConflict = 86;
    public const int InvalidPipelineOperator = 168;
    public const int CannotIndexParallelArrays = 171;
    public const int NotImplemented = 238;
    public const int ConversionFailure = 241;
    public const int UnsupportedOpQueryCommand = 352;
    public const int DuplicateKey = 11000;
    public const int InvalidSortKeyOrder = 15975;
    public const int UnknownGroupOperator = 15952;
    public const int UnrecognizedPipelineStage = 40324;
    public const int GroupFieldNotAccumulator = 40234;
    public const int OpMsgMissingDb = 40571;
    public const int NonNegativeRequired = 51024;

    // Names from mongod's error_codes.yml for the codes a client is likely to inject or receive.
    private static readonly Dictionary<int, string> Names = new()
    {
        [1] = "InternalError",
        [2] = "BadValue",
        [6] = "HostUnreachable",
        [7] = "HostNotFound",
        [9] = "FailedToParse",
        [11] = "UserNotFound",
        [13] = "Unauthorized",
        [14] = "TypeMismatch",
        [16] = "InvalidLength",
        [18] = "AuthenticationFailed",
        [26] = "NamespaceNotFound",
        [27] = "IndexNotFound",
        [43] = "CursorNotFound",
        [50] = "MaxTimeMSExpired",
        [53] = "InvalidIdField",
        [59] = "CommandNotFound",
        [67] = "CannotCreateIndex",
        [72] = "InvalidOptions",
        [73] = "InvalidNamespace",
        [85] = "IndexOptionsConflict",
        [86] = "IndexKeySpecsConflict",
        [89] = "NetworkTimeout",
        [91] = "ShutdownInProgress",
        [112] = "WriteConflict",
        [133] = "FailedToSatisfyReadPreference",
        [168] = "InvalidPipelineOperator",
        [171] = "CannotIndexParallelArrays",
        [189] = "PrimarySteppedDown",
        [238] = "NotImplemented",
        [241] = "ConversionFailure",
        [262] = "ExceededTimeLimit",
        [352] = "UnsupportedOpQueryCommand",
        [9001] = "SocketException",
        [10107] = "NotWritablePrimary",
        [11000] = "DuplicateKey",
        [11600] = "InterruptedAtShutdown",
        [11602] = "InterruptedDueToReplStateChange",
        [13435] = "NotPrimaryNoSecondaryOk",
        [13436] = "NotPrimaryOrSecondary",
    };

    /// <summary>
    /// mongod's ErrorCodes::errorString: a code it has no name for (16500, Cosmos' TooManyRequests, is one)
    /// is named "Location&lt;code&gt;", so that is what a real mongod fail point replies too.
    /// </summary>
    public static string NameOf(int code) =>
        Names.TryGetValue(code, out var name) ? name : "Location" + code.ToString(CultureInfo.InvariantCulture);

    public static BsonDocument Reply(int code, string message) => new()
    {
        { "ok", 0.0 },
        { "errmsg", message },
        { "code", code },
        { "codeName", NameOf(code) },
    };
}
