using ButtonFunctions.Storage;

namespace ButtonFunctions.Tests.Storage;

[Trait("Category", "Unit")]
public sealed class CosmosRetryPolicyTests
{
    [Theory]
    [InlineData("Error=16500, RetryAfterMs=12, Details='Response status code does not indicate success: TooManyRequests (429)'", 12)]
    [InlineData("Request rate is large. More Request Units may be needed, so no changes were made. Please retry this request later. RetryAfterMs=1500", 1500)]
    [InlineData("RetryAfterMs=999999999", 60_000)]
    public void Retry_after_hint_is_read_from_the_cosmos_message(string message, int expectedMs)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), CosmosRetryPolicy.RetryAfterFromMessage(message));
    }

    [Theory]
    [InlineData("Request rate is large")]
    [InlineData("RetryAfterMs=")]
    [InlineData("RetryAfterMs=-5")]
    [InlineData(null)]
    public void Without_a_hint_there_is_no_retry_after(string? message)
    {
        Assert.Null(CosmosRetryPolicy.RetryAfterFromMessage(message));
    }

    [Fact]
    public void Backoff_grows_exponentially_with_jitter_and_is_capped()
    {
        var random = new Random(7);
        var first = Enumerable.Range(0, 50).Select(_ => CosmosRetryPolicy.Backoff(1, random)).ToList();
        var third = Enumerable.Range(0, 50).Select(_ => CosmosRetryPolicy.Backoff(3, random)).ToList();
        var tenth = Enumerable.Range(0, 50).Select(_ => CosmosRetryPolicy.Backoff(10, random)).ToList();

        Assert.All(first, d => Assert.InRange(d.TotalMilliseconds, 50, 100));
        Assert.All(third, d => Assert.InRange(d.TotalMilliseconds, 200, 400));
        Assert.All(tenth, d => Assert.InRange(d.TotalMilliseconds, 500, 1_000));
        Assert.True(third.Distinct().Count() > 10, "jitter spreads retries");
    }

    [Theory]
    [InlineData(16500, true)]
    [InlineData(50, true)]
    [InlineData(11000, false)]
    [InlineData(2, false)]
    public void Only_rate_limiting_codes_count_as_throttling(int code, bool expected)
    {
        Assert.Equal(expected, CosmosRetryPolicy.IsThrottle(code));
    }
}
