namespace ButtonFunctions.Tests.LocalHost;

/// <summary>Waits for a condition that another process makes true (a log line relayed, a process gone), with a deadline.</summary>
public static class Eventually
{
    public static async Task TrueAsync(Func<bool> condition, TimeSpan? timeout = null, string? because = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail(because ?? "The condition did not become true in time.");
            }

            await poll.WaitForNextTickAsync();
        }
    }
}
