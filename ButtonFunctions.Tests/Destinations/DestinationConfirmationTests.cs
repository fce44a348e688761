using ButtonFunctions.Tests.Ingest;
using System.Net;
using System.Text.Json.Nodes;
using ButtonFunctions.Ingest;
using ButtonFunctions.Tests.Fixtures;
using ButtonFunctions.Destinations;
using ButtonFunctions.Http;
using Microsoft.Extensions.Logging;

namespace ButtonFunctions.Tests.Destinations;

[Trait("Category", "Unit")]
public sealed class DestinationConfirmationTests
{
    private const string Arn = "arn:aws:iot:us-east-1:123456789012:ruledestination/http/7a280e6b-5b4b-4f2e-9c0d-3f6c5e1d2a10";
    private const string Token = "AYADeMXLrPrNY2wqJAKsFNn-tlEBdgwXY";
    private const string AwsEnableUrl = "https://iot.us-east-1.amazonaws.com/confirmdestination/" + Token;

    private static readonly Dictionary<string, string> ConfirmationHeaders = new()
    {
        ["x-amz-rules-engine-message-type"] = "DestinationConfirmation",
        ["x-amz-rules-engine-destination-arn"] = Arn,
    };

    private static DestinationOptions Allowing(params string[] arns)
    {
        var options = new DestinationOptions();
        foreach (var arn in arns)
        {
            options.AllowedArns.Add(arn);
        }

        return options;
    }

    private static string Body(string? enableUrl = AwsEnableUrl, string arn = Arn, string token = Token)
    {
        var body = JsonNode.Parse(FixtureFiles.ReadText("destination-confirmation.json"))!.AsObject();
        body.Remove("_headers");
        body.Remove("_query");
        body["arn"] = arn;
        body["confirmationToken"] = token;
        body["enableUrl"] = enableUrl;
        return body.ToJsonString();
    }

    [Fact]
    public async Task An_allowed_destination_is_confirmed_by_one_get_on_its_aws_enable_url()
    {
        var harness = new IngestHarness(destinations: Allowing(Arn));

        var answer = await harness.PostAsync(Body(), headers: ConfirmationHeaders);

        Assert.Equal(200, answer.Status);
        Assert.Equal(DestinationConfirmer.Confirmed, answer.Json.GetProperty("status").GetString());
        // Confirmed is not enabled: AWS keeps the destination DISABLED until this step.
        Assert.Equal($"aws iot update-topic-rule-destination --arn {Arn} --status ENABLED", answer.Json.GetProperty("command").GetString());
        // The URL fetched is, character for character, the URL that was checked.
        Assert.Equal(AwsEnableUrl, Assert.Single(harness.Handler.Requested).AbsoluteUri);
        var attempt = Assert.Single(harness.Destinations.Attempts);
        Assert.Equal((Arn, "iot.us-east-1.amazonaws.com", "confirmed", (int?)200), (attempt.Arn, attempt.EnableUrlHost, attempt.Outcome, attempt.Status));
        Assert.Empty(harness.Store.Stored);
    }

    [Fact]
    public async Task The_china_partition_host_is_followed_too()
    {
        const string cnArn = "arn:aws-cn:iot:cn-north-1:123456789012:ruledestination/http/abc-123";
        var harness = new IngestHarness(destinations: Allowing(cnArn));
        var headers = new Dictionary<string, string>(ConfirmationHeaders) { ["x-amz-rules-engine-destination-arn"] = cnArn };

        var answer = await harness.PostAsync(Body("https://iot.cn-north-1.amazonaws.com.cn/confirmdestination/" + Token, cnArn), headers: headers);

        Assert.Equal("confirmed", answer.Json.GetProperty("status").GetString());
        Assert.Single(harness.Handler.Requested);
    }

    [Fact]
    public async Task A_destination_not_in_the_allow_list_is_not_followed_and_the_answer_names_the_cli_command_without_the_token()
    {
        var harness = new IngestHarness(destinations: Allowing());

        var answer = await harness.PostAsync(Body(), headers: ConfirmationHeaders);

        Assert.Equal(200, answer.Status);
        Assert.Equal(DestinationConfirmer.NotFollowed, answer.Json.GetProperty("status").GetString());
        Assert.StartsWith("aws iot confirm-topic-rule-destination --confirmation-token", answer.Json.GetProperty("command").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Token, answer.Text, StringComparison.Ordinal);
        Assert.Empty(harness.Handler.Requested);

        // Anyone can send these: nothing is stored for an ARN that is not allow-listed.
        Assert.Empty(harness.Destinations.Attempts);
    }

    [Fact]
    public async Task Confirmations_for_unlisted_arns_store_nothing_and_log_one_line_however_many_arrive()
    {
        var harness = new IngestHarness(destinations: Allowing());

        for (var i = 0; i < 50; i++)
        {
            var arn = $"arn:aws:iot:us-east-1:123456789012:ruledestination/http/attacker-{i}";
            var headers = new Dictionary<string, string>(ConfirmationHeaders) { ["x-amz-rules-engine-destination-arn"] = arn };
            var answer = await harness.PostAsync(Body(arn: arn), headers: headers);
            Assert.Equal("not-followed", answer.Json.GetProperty("status").GetString());
        }

        Assert.Empty(harness.Destinations.Attempts);
        Assert.Empty(harness.Handler.Requested);
        var line = Assert.Single(harness.Logs.Entries, e => e.Level >= LogLevel.Information);
        Assert.Equal(LogLevel.Warning, line.Level);
        Assert.Contains("attacker-0", line.Message, StringComparison.Ordinal);
        Assert.Contains("not in Destinations:AllowedArns", line.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_allowed_arn_with_a_wrong_enable_url_is_still_recorded()
    {
        var harness = new IngestHarness(destinations: Allowing(Arn));

        await harness.PostAsync(Body("https://evil.example.com/confirmdestination/" + Token), headers: ConfirmationHeaders);

        Assert.Equal("not-followed", Assert.Single(harness.Destinations.Attempts).Outcome);
    }

    [Theory]
    [InlineData(Token + "\n", "https://iot.us-east-1.amazonaws.com/confirmdestination/" + Token + "\n")]
    [InlineData(Token + "\n", "https://iot.us-east-1.amazonaws.com/confirmdestination/" + Token)]
    [InlineData(".", "https://iot.us-east-1.amazonaws.com/confirmdestination/.")]
    [InlineData("..", "https://iot.us-east-1.amazonaws.com/confirmdestination/..")]
    public async Task A_token_with_a_trailing_newline_or_a_dot_segment_is_refused_and_nothing_is_fetched(string token, string enableUrl)
    {
        var harness = new IngestHarness(destinations: Allowing(Arn));

        var answer = await harness.PostAsync(Body(enableUrl, token: token), headers: ConfirmationHeaders);

        Assert.Equal(400, answer.Status);
        Assert.Equal(ProblemTypes.InvalidDestinationConfirmation, answer.Json.GetProperty("type").GetString());
        Assert.Empty(harness.Handler.Requested);
        Assert.Empty(harness.Destinations.Attempts);
        Assert.DoesNotContain(harness.Logs.Entries, e => e.Message.Contains('\n', StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_arn_with_a_trailing_newline_is_refused()
    {
        var harness = new IngestHarness(destinations: Allowing(Arn));
        var headers = new Dictionary<string, string> { ["x-amz-rules-engine-message-type"] = "DestinationConfirmation" };

        var answer = await harness.PostAsync(Body(arn: Arn + "\n"), headers: headers);

        Assert.Equal(400, answer.Status);
        Assert.Empty(harness.Handler.Requested);
    }

    [Theory]
    [InlineData("..", "https://iot.us-east-1.amazonaws.com/confirmdestination/..")]
    [InlineData(".", "https://iot.us-east-1.amazonaws.com/confirmdestination/.")]
    [InlineData("..", "http://127.0.0.1:5999/confirmdestination/..")]
    public void A_url_that_would_be_fetched_as_another_url_is_never_followed(string token, string enableUrl)
    {
        // Past the parser's own refusal: the confirmer compares what it checked with what it would fetch.
        var options = Allowing(Arn);
        options.AllowedEnableUrlPrefixes.Add("http://127.0.0.1:5999/confirmdestination/");
        var request = new DestinationConfirmationRequest(Arn, token, enableUrl);

        var refusal = DestinationConfirmer.WhyNotFollow(request, new Uri(enableUrl), options);

        Assert.NotNull(refusal);
        Assert.NotEqual(enableUrl, new Uri(enableUrl).AbsoluteUri);
    }

    [Theory]
    [InlineData("https://evil.example.com/confirmdestination/" + Token)]
    [InlineData("https://iot.us-east-1.amazonaws.com.evil.example.com/confirmdestination/" + Token)]
    [InlineData("http://iot.us-east-1.amazonaws.com/confirmdestination/" + Token)]
    [InlineData("https://iot.us-east-1.amazonaws.com:8443/confirmdestination/" + Token)]
    [InlineData("https://user:pass@iot.us-east-1.amazonaws.com/confirmdestination/" + Token)]
    [InlineData("https://iot.eu-west-1.amazonaws.com/confirmdestination/" + Token)]
    [InlineData("https://iot.us-east-1.amazonaws.com/confirmdestination/other-token")]
    [InlineData("https://iot.us-east-1.amazonaws.com/confirmdestination/" + Token + "?next=http://169.254.169.254/")]
    [InlineData("https://iot.us-east-1.amazonaws.com/confirmdestination/../../latest/meta-data/" + Token)]
    [InlineData("https://iot.us-east-1.amazonaws.com/confirmdestination/%2e%2e/" + Token)]
    [InlineData("https://IOT.US-EAST-1.AMAZONAWS.COM/confirmdestination/" + Token)]
    [InlineData("https://iot.us-east-1.amazonaws.com/confirmdestination/" + Token + "#x")]
    [InlineData("https://169.254.169.254/confirmdestination/" + Token)]
    [InlineData("file:///etc/passwd")]
    [InlineData("/confirmdestination/" + Token)]
    public async Task An_allowed_arn_with_any_other_enable_url_fetches_nothing(string enableUrl)
    {
        var harness = new IngestHarness(destinations: Allowing(Arn));

        var answer = await harness.PostAsync(Body(enableUrl), headers: ConfirmationHeaders);

        Assert.Equal(200, answer.Status);
        Assert.Equal("not-followed", answer.Json.GetProperty("status").GetString());
        Assert.Empty(harness.Handler.Requested);
    }

    [Fact]
    public async Task A_test_listener_prefix_is_followed_only_for_exactly_prefix_plus_token()
    {
        var options = Allowing(Arn);
        options.AllowedEnableUrlPrefixes.Add("http://127.0.0.1:5999/confirmdestination/");
        var harness = new IngestHarness(destinations: options);

        var followed = await harness.PostAsync(Body("http://127.0.0.1:5999/confirmdestination/" + Token), headers: ConfirmationHeaders);
        var refused = await harness.PostAsync(Body("http://127.0.0.1:5999/confirmdestination/x/" + Token), headers: ConfirmationHeaders);

        Assert.Equal("confirmed", followed.Json.GetProperty("status").GetString());
        Assert.Equal("not-followed", refused.Json.GetProperty("status").GetString());
        Assert.Single(harness.Handler.Requested);
    }

    [Fact]
    public async Task A_non_success_answer_from_the_enable_url_is_reported_as_failed()
    {
        var harness = new IngestHarness(destinations: Allowing(Arn), enableUrlStatus: HttpStatusCode.Found);

        var answer = await harness.PostAsync(Body(), headers: ConfirmationHeaders);

        Assert.Equal("failed", answer.Json.GetProperty("status").GetString());
        Assert.Equal((int?)302, Assert.Single(harness.Destinations.Attempts).Status);
    }

    [Theory]
    [InlineData("""{"arn":"arn:aws:iot:us-east-1:123456789012:ruledestination/http/x","enableUrl":"https://iot.us-east-1.amazonaws.com/confirmdestination/t","messageType":"DestinationConfirmation"}""")]
    [InlineData("""{"arn":"not-an-arn","confirmationToken":"t","enableUrl":"https://iot.us-east-1.amazonaws.com/confirmdestination/t","messageType":"DestinationConfirmation"}""")]
    [InlineData("""{"arn":"arn:aws:iot:us-east-1:123456789012:ruledestination/http/x","confirmationToken":"t","enableUrl":"https://iot.us-east-1.amazonaws.com/confirmdestination/t","messageType":"Other"}""")]
    [InlineData("""{"arn":"arn:aws:iot:us-east-1:123456789012:ruledestination/http/x","confirmationToken":"t t","enableUrl":"https://iot.us-east-1.amazonaws.com/confirmdestination/t","messageType":"DestinationConfirmation"}""")]
    [InlineData("""{"arn":"arn:aws:iot:us-east-1:123456789012:ruledestination/http/x","confirmationToken":1,"enableUrl":"x","messageType":"DestinationConfirmation"}""")]
    [InlineData("""{"arn":"arn:aws:iot:us-east-1:123456789012:ruledestination/http/x\ud800","confirmationToken":"t","enableUrl":"https://iot.us-east-1.amazonaws.com/confirmdestination/t","messageType":"DestinationConfirmation"}""")]
    [InlineData("""{"arn":"arn:aws:iot:us-east-1:123456789012:ruledestination/http/x","confirmationToken":"t","enableUrl":"\udfff","messageType":"DestinationConfirmation"}""")]
    [InlineData("[]")]
    [InlineData("{")]
    public async Task Malformed_confirmation_bodies_are_answered_400_and_fetch_nothing(string body)
    {
        var harness = new IngestHarness(destinations: Allowing(Arn, "arn:aws:iot:us-east-1:123456789012:ruledestination/http/x"));
        var headers = new Dictionary<string, string> { ["x-amz-rules-engine-message-type"] = "DestinationConfirmation" };

        var answer = await harness.PostAsync(body, headers: headers);

        Assert.Equal(400, answer.Status);
        Assert.Equal(ProblemTypes.InvalidDestinationConfirmation, answer.Json.GetProperty("type").GetString());
        Assert.Empty(harness.Handler.Requested);
    }

    [Fact]
    public async Task A_header_arn_that_disagrees_with_the_body_is_refused()
    {
        var harness = new IngestHarness(destinations: Allowing(Arn));
        var headers = new Dictionary<string, string>(ConfirmationHeaders) { ["x-amz-rules-engine-destination-arn"] = Arn.Replace("7a28", "0000", StringComparison.Ordinal) };

        var answer = await harness.PostAsync(Body(), headers: headers);

        Assert.Equal(400, answer.Status);
        Assert.Empty(harness.Handler.Requested);
    }

    [Fact]
    public async Task A_confirmation_body_without_the_header_is_treated_as_clicks_and_refused()
    {
        var harness = new IngestHarness(destinations: Allowing(Arn));

        var answer = await harness.PostAsync(Body());

        Assert.Equal(400, answer.Status);
        Assert.Equal(ProblemTypes.InvalidClicks, answer.Json.GetProperty("type").GetString());
        Assert.Empty(harness.Handler.Requested);
    }
}
