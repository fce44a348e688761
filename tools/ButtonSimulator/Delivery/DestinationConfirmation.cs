using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ButtonSimulator.Delivery;

/// <summary>
/// The request AWS IoT sends when an HTTP topic rule destination is created (aws/FACTS.md, "Destination
/// confirmation"): POST to <c>{confirmationUrl}/?confirmationToken=…</c> (with that slash), two
/// <c>x-amz-rules-engine-*</c> headers, a JSON body, and no bearer token.
/// </summary>
internal sealed record DestinationConfirmation(
    [property: JsonPropertyName("arn")] string Arn,
    [property: JsonPropertyName("confirmationToken")] string ConfirmationToken,
    [property: JsonPropertyName("enableUrl")] string EnableUrl,
    [property: JsonPropertyName("messageType")] string MessageType)
{
    public static DestinationConfirmation Create(string arn, string confirmationToken)
    {
        // The enable URL lives in the destination's region: arn:aws:iot:<region>:<account>:ruledestination/...
        var parts = arn.Split(':');
        var region = parts.Length > 3 && parts[3].Length > 0 ? parts[3] : "us-east-1";
        var domain = parts.Length > 1 && parts[1] == "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com";
        return new DestinationConfirmation(arn, confirmationToken, $"https://iot.{region}.{domain}/confirmdestination/{Uri.EscapeDataString(confirmationToken)}", "DestinationConfirmation");
    }

    /// <summary>Where AWS posts the confirmation: the confirmation URL, a slash, then the token as a query parameter.</summary>
    public Uri RequestUri(Uri confirmationUrl)
    {
        if (!string.IsNullOrEmpty(confirmationUrl.Query))
        {
            return new Uri(confirmationUrl.AbsoluteUri + "&confirmationToken=" + Uri.EscapeDataString(ConfirmationToken));
        }

        var path = confirmationUrl.AbsoluteUri.EndsWith('/') ? confirmationUrl.AbsoluteUri : confirmationUrl.AbsoluteUri + "/";
        return new Uri(path + "?confirmationToken=" + Uri.EscapeDataString(ConfirmationToken));
    }

    public HttpRequestMessage ToRequest(Uri confirmationUrl)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, RequestUri(confirmationUrl))
        {
            Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(this)),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add("x-amz-rules-engine-message-type", MessageType);
        request.Headers.Add("x-amz-rules-engine-destination-arn", Arn);
        return request;
    }
}

/// <summary>
/// What to do after the function answered a destination confirmation, in the words the function's log and the
/// token refresher use too (aws/FACTS.md, "Destination states"): confirming only moves an HTTP destination to
/// DISABLED; it carries traffic once it is ENABLED.
/// </summary>
internal static class DestinationNextStep
{
    public static string EnableCommand(string arn) => $"aws iot update-topic-rule-destination --arn {arn} --status ENABLED";

    /// <param name="outcome">The function's answer: confirmed, not-followed or failed.</param>
    /// <param name="confirmCommand">The confirm command from the function's answer (token placeholder), if any.</param>
    public static string After(string? outcome, string arn, string? confirmCommand) => outcome switch
    {
        "confirmed" => $"enable it (a confirmed destination is DISABLED until then): {EnableCommand(arn)} (the stack's token refresher does this on its next run when KeepDestinationEnabled=true)",
        _ => $"confirm it: {confirmCommand ?? "aws iot confirm-topic-rule-destination --confirmation-token <token>"} (the token is in the function's log, valid 3 days), then enable it: {EnableCommand(arn)}",
    };
}
