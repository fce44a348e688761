namespace ButtonFunctions.Ingest.Payloads;

/// <summary>
/// Why one click was refused, as a fixed set: the <c>reason</c> tag of <c>buttonfunctions.clicks.refused</c> (a metric
/// tag must take few values; the sender's message, which names fields and values, stays in the answer).
/// </summary>
public enum ClickProblem
{
    None,
    NotAnObject,
    UnrecognisedShape,
    MissingField,
    WrongType,
    EmptyField,
    TooLong,
    ControlCharacter,
    ClickType,
    Battery,
    TimeFormat,
    OutOfRange,
    Map,
    DuplicateField,
    TopicMismatch,
}
