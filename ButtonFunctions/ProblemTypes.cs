namespace ButtonFunctions;

/// <summary>
/// The one namespace of every problem+json <c>type</c> this app returns. A URN, because it names a stable
/// kind of error without promising a web page behind it.
/// </summary>
public static class ProblemTypes
{
    public const string Prefix = "urn:buttonfunctions:problem:";
}
