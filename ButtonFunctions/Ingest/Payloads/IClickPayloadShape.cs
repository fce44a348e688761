namespace ButtonFunctions.Ingest.Payloads;

/// <summary>
/// One payload shape AWS IoT delivers. Each shape is identified by one top-level field, its <see cref="Marker"/>;
/// exactly one shape's marker must be present in a click. Adding a shape is one new class implementing this
/// interface (found by <see cref="PayloadShapes"/>) and its tests.
/// </summary>
internal interface IClickPayloadShape
{
    /// <summary>The top-level field (matched case-insensitively) whose presence says "this shape".</summary>
    string Marker { get; }

    /// <summary>The shape's name in messages to senders, e.g. "AWS IoT Button".</summary>
    string Name { get; }

    /// <summary>Reads the click; null when a field is missing or invalid (the reason is in the reader's errors).</summary>
    ClickDraft? Read(JsonFieldReader fields);
}
