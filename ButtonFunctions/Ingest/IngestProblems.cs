using Microsoft.AspNetCore.Mvc;

namespace ButtonFunctions.Ingest;

/// <summary>The problem+json <c>type</c> URIs of <c>POST /api/clicks</c>; stable, so senders can branch on them.</summary>
public static class IngestProblems
{
    public const string BaseUri = "https://buttonfunctions.dev/problems/";
    public const string InvalidClicks = BaseUri + "invalid-clicks";
    public const string InvalidJson = BaseUri + "invalid-json";
    public const string EmptyBody = BaseUri + "empty-body";
    public const string UnsupportedPayload = BaseUri + "unsupported-payload";
    public const string TooManyClicks = BaseUri + "too-many-clicks";
    public const string BodyTooLarge = BaseUri + "body-too-large";
    public const string UnsupportedMediaType = BaseUri + "unsupported-media-type";
    public const string StoreThrottled = BaseUri + "store-throttled";
    public const string StoreUnavailable = BaseUri + "store-unavailable";
    public const string StoreError = BaseUri + "store-error";
    public const string InvalidDestinationConfirmation = BaseUri + "invalid-destination-confirmation";

    internal static ProblemDetails Create(int status, string type, string title, string detail) =>
        new() { Status = status, Type = type, Title = title, Detail = detail };
}
