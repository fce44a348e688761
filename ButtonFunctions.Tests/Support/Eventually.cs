using MongoDB.Driver;

namespace ButtonFunctions.Tests.Support;

/// <summary>
/// The one way tests wait for something another process or thread makes true (a log line relayed, a process gone,
/// a server seen again): poll a condition until it holds or a generous deadline passes. The deadline only bounds a
/// failing test; a passing one never depends on how fast the machine is.
/// </summary>
public static class Eventually
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    public static Task TrueAsync(Func<bool> condition, TimeSpan? timeout = null, string? because = null) =>
        TrueAsync(() => Task.FromResult(condition()), timeout, because);

    /// <summary>Polls an asynchronous condition (which may itself do work, e.g. send a request and check its status).</summary>
    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan? timeout = null, string? because = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        using var poll = new PeriodicTimer(PollInterval);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail(because ?? "The condition did not become true in time.");
            }

            await poll.WaitForNextTickAsync();
        }
    }

    /// <summary>As <see cref="MongoSucceedsAsync{T}"/> for an operation without a result.</summary>
    public static Task MongoSucceedsAsync(Func<Task> operation, TimeSpan? timeout = null) =>
        MongoSucceedsAsync(async () =>
        {
            await operation();
            return true;
        }, timeout);

    /// <summary>
    /// Runs a MongoDB operation until it stops failing with a connection fault (the driver has not yet seen a server
    /// that came back), then returns its result; any other exception, or the deadline, fails the test.
    /// </summary>
    public static async Task<T> MongoSucceedsAsync<T>(Func<Task<T>> operation, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (true)
        {
            try
            {
                return await operation();
            }
            catch (Exception e) when ((e is MongoConnectionException or TimeoutException) && DateTime.UtcNow < deadline)
            {
                // The next attempt makes the driver re-check the server.
            }
        }
    }
}
