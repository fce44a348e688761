using ButtonFunctions.Clicks;
using ButtonFunctions.Http;

namespace ButtonFunctions.Tests.Ingest;

/// <summary>
/// Distinct clicks are never merged: through the function (in process, over the store double that mirrors the real
/// store's rule; the contract tests check the real store), a second click is a duplicate only when it is the same click.
/// </summary>
[Trait("Category", "Unit")]
public sealed class ClickCollisionTests
{
    private static List<string> Ids(Answer answer) => [.. answer.Json.GetProperty("ids").EnumerateArray().Select(e => e.GetString()!)];

    [Fact]
    public async Task Two_clicks_in_one_whole_second_with_different_rule_times_are_both_stored_and_each_retry_is_a_duplicate()
    {
        var harness = new IngestHarness();
        const string first = """{"deviceId":"esp32-coarse-1","clickType":"single","timestamp":"2026-11-25T18:00:00Z","receivedAtMs":1764093600100}""";
        const string second = """{"deviceId":"esp32-coarse-1","clickType":"single","timestamp":"2026-11-25T18:00:00Z","receivedAtMs":1764093600900}""";

        var a = await harness.PostAsync(first);
        var b = await harness.PostAsync(second);
        var retryA = await harness.PostAsync(first);
        var retryB = await harness.PostAsync(second);

        Assert.Equal((201, 201), (a.Status, b.Status));
        Assert.Equal(1, b.Json.GetProperty("stored").GetInt32());
        Assert.NotEqual(Ids(a), Ids(b));
        Assert.Equal((200, 200), (retryA.Status, retryB.Status));
        Assert.Equal(Ids(a), Ids(retryA));
        Assert.Equal(Ids(b), Ids(retryB));
        Assert.Equal(2, harness.Store.Stored.Count);
    }

    [Fact]
    public async Task A_different_click_reusing_a_trace_id_is_stored_under_a_collision_id_that_its_retry_finds_again()
    {
        var harness = new IngestHarness();
        const string original = """{"serialNumber":"G030JF055364XVRB","clickType":"SINGLE","receivedAtMs":1764093600100,"traceId":"reused-trace"}""";
        const string other = """{"serialNumber":"G030JF055364XVRC","clickType":"LONG","receivedAtMs":1764093600500,"traceId":"reused-trace"}""";

        var first = await harness.PostAsync(original);
        var collided = await harness.PostAsync(other);
        var retry = await harness.PostAsync(other);
        var originalAgain = await harness.PostAsync(original);

        Assert.Equal(["reused-trace"], Ids(first));
        Assert.Equal(201, collided.Status);
        var collisionId = Assert.Single(Ids(collided));
        Assert.NotEqual("reused-trace", collisionId);
        Assert.Equal((200, collisionId), (retry.Status, Assert.Single(Ids(retry))));
        Assert.Equal((200, "reused-trace"), (originalAgain.Status, Assert.Single(Ids(originalAgain))));
        Assert.Equal("G030JF055364XVRB", harness.Store.Stored["reused-trace"].DeviceId);
        Assert.Equal("G030JF055364XVRC", harness.Store.Stored[collisionId].DeviceId);
    }

    [Fact]
    public async Task A_replay_without_the_rule_time_of_a_click_with_a_trace_id_is_still_a_duplicate()
    {
        // What the simulator's replay posts: the original payload, the topic and the trace id; no receivedAtMs.
        var harness = new IngestHarness();
        await harness.PostAsync("""{"serialNumber":"G030REPLAY01","clickType":"DOUBLE","topic":"iotbutton/G030REPLAY01","receivedAtMs":1764093600100,"traceId":"t-replay-1"}""");

        var replay = await harness.PostAsync("""{"serialNumber":"G030REPLAY01","clickType":"DOUBLE","topic":"iotbutton/G030REPLAY01","traceId":"t-replay-1"}""");

        Assert.Equal(200, replay.Status);
        Assert.Equal(1, replay.Json.GetProperty("duplicates").GetInt32());
        Assert.Single(harness.Store.Stored);
    }

    [Fact]
    public void The_same_click_rule_compares_stable_times_only_and_trace_ids_only_where_both_have_one()
    {
        var at = new DateTimeOffset(2026, 11, 25, 18, 0, 0, TimeSpan.Zero);
        var stored = new ClickFingerprint("d", "SINGLE", at, ClickTimeSource.Rule, "t");

        Assert.True(stored.IsSameClickAs(stored with { OccurredAt = at.AddMinutes(5), TimeSource = ClickTimeSource.Arrival }));
        Assert.True(stored.IsSameClickAs(stored with { TraceId = null }));
        Assert.True(stored.IsSameClickAs(stored with { OccurredAt = at.AddTicks(10) }));
        Assert.False(stored.IsSameClickAs(stored with { OccurredAt = at.AddMilliseconds(1) }));
        Assert.False(stored.IsSameClickAs(stored with { TraceId = "u" }));
        Assert.False(stored.IsSameClickAs(stored with { DeviceId = "e" }));
        Assert.False(stored.IsSameClickAs(stored with { ClickType = "LONG" }));

        // A document from before timeSource was stored has no stable time to compare.
        Assert.True((stored with { TimeSource = null }).IsSameClickAs(stored with { OccurredAt = at.AddHours(1) }));
    }

    [Fact]
    public void The_collision_id_is_deterministic_and_differs_per_click()
    {
        var at = new DateTimeOffset(2026, 11, 25, 18, 0, 0, TimeSpan.Zero);
        var click = new ClickEvent
        {
            Id = "t", DeviceId = "d", ClickType = "SINGLE", OccurredAt = at, TimeSource = ClickTimeSource.Device, ReceivedAt = at, Source = ClickSources.MqttButton, TraceId = "t",
        };

        Assert.Equal(ClickId.ForCollision(click), ClickId.ForCollision(click with { ReceivedAt = at.AddSeconds(3), BatteryMillivolts = 1 }));
        Assert.NotEqual(ClickId.ForCollision(click), ClickId.ForCollision(click with { DeviceId = "e" }));
        Assert.NotEqual(ClickId.ForCollision(click), ClickId.ForCollision(click with { OccurredAt = at.AddMilliseconds(1) }));
        Assert.Matches("^[0-9a-f]{64}$", ClickId.ForCollision(click));
        Assert.Equal(ProblemTypes.Prefix, ProblemTypes.InvalidClicks[..ProblemTypes.Prefix.Length]);
    }
}
