using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ButtonSimulator.Delivery;

/// <summary>
/// The request AWS IoT sends when an HTTP topic rule destination is created (ARCHITECTURE §2): POST to
/// the confirmation URL with <c>?confirmationToken=</c>, two <c>x-amz-rules-engine-*</c> headers, a JSON
/// body, and no bearer token.
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

    public HttpRequestMessage ToRequest(Uri confirmationUrl)
    {
        var separator = string.IsNullOrEmpty(confirmationUrl.Query) ? "?" : "&";
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(confirmationUrl.AbsoluteUri + separator + "confirmationToken=" + Uri.EscapeDataString(ConfirmationToken)))
        {
            Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(this)),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add("x-amz-rules-engine-message-type", MessageType);
        request.Headers.Add("x-amz-rules-engine-destination-arn", Arn);
        return request;
    }
}
