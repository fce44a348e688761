using System.Text.Json;
using System.Text.RegularExpressions;
using ButtonFunctions.Json;
using Microsoft.AspNetCore.Http;

namespace ButtonFunctions.Destinations;

/// <summary>
/// The body AWS IoT POSTs when an HTTP topic rule destination is created (docs/architecture.md, "AWS IoT"). It carries
/// no bearer token; what makes it safe to act on is the ARN allow-list and the strict enableUrl check.
/// </summary>
public sealed partial record DestinationConfirmationRequest(string Arn, string ConfirmationToken, string EnableUrl)
{
    public const string MessageTypeHeader = "x-amz-rules-engine-message-type";
    public const string DestinationArnHeader = "x-amz-rules-engine-destination-arn";
    public const string MessageType = "DestinationConfirmation";

    /// <summary>The region, for matching the enableUrl host against the ARN.</summary>
    public string Region => ArnPattern().Match(Arn).Groups["region"].Value;

    /// <summary>What an operator runs to confirm by hand (contains the one-time token: log it, never answer it).</summary>
    public string ConfirmCommand => "aws iot confirm-topic-rule-destination --confirmation-token " + ConfirmationToken;

    /// <summary>The same command with a placeholder, safe for an HTTP response.</summary>
    public const string ConfirmCommandTemplate = "aws iot confirm-topic-rule-destination --confirmation-token <confirmationToken from the request body>";

    /// <summary>
    /// The step after confirming: AWS leaves a confirmed destination DISABLED until it is enabled, and only then
    /// does any rule deliver through it (docs/architecture.md, "AWS IoT"). The stack's token refresher does it
    /// on its next run when KeepDestinationEnabled is true.
    /// </summary>
    public string EnableCommand => "aws iot update-topic-rule-destination --arn " + Arn + " --status ENABLED";

    /// <summary>
    /// Whether a request is AWS's destination confirmation: a POST with the message-type header. The one definition,
    /// used both by the auth gate (which lets it through without a token) and by the function (which confirms it).
    /// </summary>
    public static bool IsConfirmation(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return HttpMethods.IsPost(request.Method) && string.Equals(request.Headers[MessageTypeHeader], MessageType, StringComparison.Ordinal);
    }

    /// <summary>Reads and validates the body; <paramref name="error"/> says what is wrong when it returns null.</summary>
    public static DestinationConfirmationRequest? Parse(ReadOnlyMemory<byte> body, string? headerArn, out string? error)
    {
        using var document = JsonBody.Parse(body, maxDepth: 4, out _, out var bodyError);
        if (document is null)
        {
            error = "The destination confirmation body is not usable: " + bodyError;
            return null;
        }

        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            error = "The destination confirmation body must be a JSON object.";
            return null;
        }

        var arn = Field(root, "arn", 256);
        var token = Field(root, "confirmationToken", 4_096);
        var enableUrl = Field(root, "enableUrl", 4_200);
        var messageType = Field(root, "messageType", 64);
        error = arn is null || !ArnPattern().IsMatch(arn) ? "'arn' must be an AWS IoT topic rule destination ARN."
            : token is null || !TokenPattern().IsMatch(token) || token is "." or ".." ? "'confirmationToken' is missing or malformed."
            : enableUrl is null ? "'enableUrl' is missing."
            : messageType != MessageType ? "'messageType' must be DestinationConfirmation."
            : headerArn is { Length: > 0 } && headerArn != arn ? "The x-amz-rules-engine-destination-arn header and 'arn' disagree."
            : null;
        return error is null ? new DestinationConfirmationRequest(arn!, token!, enableUrl!) : null;
    }

    private static string? Field(JsonElement root, string name, int maxLength) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text && text.Length <= maxLength
            ? text
            : null;

    [GeneratedRegex(@"\Aarn:aws(-cn|-us-gov)?:iot:(?<region>[a-z]{2}(-[a-z]+)+-[0-9]{1,2}):[0-9]{12}:ruledestination/http/[A-Za-z0-9-]{1,64}\z", RegexOptions.CultureInvariant)]
    internal static partial Regex ArnPattern();

    /// <summary>
    /// The characters a token may have: each is kept as it is in a URL path (RFC 3986 unreserved, plus = and +), so the
    /// enableUrl carries the token verbatim. \A and \z, not ^ and $: .NET's $ also matches before a final newline.
    /// The dot segments . and .. match too and are refused by <see cref="Parse"/>: a URL path would resolve them away.
    /// </summary>
    [GeneratedRegex(@"\A[A-Za-z0-9._~=+-]{1,4096}\z", RegexOptions.CultureInvariant)]
    private static partial Regex TokenPattern();
}
