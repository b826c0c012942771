using Clearing.Grains.Events;
using Clearing.Server.Api;

namespace Clearing.Server.Tests.Api;

/// <summary>The event ring: order, filtering, resume positions and the gaps it must admit.</summary>
public sealed class AccountEventHubTests
{
    private static readonly DateTimeOffset At = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Reader_gets_its_accounts_events_after_its_position_in_order()
    {
        var hub = new AccountEventHub(capacity: 8);
        Publish(hub, "a1", "a2", "a1", "b1");

        var read = hub.Read(0, account => account == "a1");

        Assert.False(read.Gap);
        Assert.Equal([1L, 3L], read.Events.Select(e => e.Sequence));
        Assert.Equal(4, read.Position);
        Assert.Empty(hub.Read(read.Position, _ => true).Events);
    }

    [Fact]
    public void Reader_behind_the_ring_gets_a_gap_and_then_the_oldest_held_events()
    {
        var hub = new AccountEventHub(capacity: 4);
        Publish(hub, "a1", "a1", "a1", "a1", "a1", "a1");

        var read = hub.Read(1, _ => true);

        // Sequences 2 was overwritten by 6: the reader at 1 has lost it and must be told.
        Assert.True(read.Gap);
        Assert.Equal(3, read.From);
        Assert.Equal([3L, 4L, 5L, 6L], read.Events.Select(e => e.Sequence));
    }

    [Fact]
    public void Reader_exactly_at_the_oldest_boundary_has_no_gap()
    {
        var hub = new AccountEventHub(capacity: 4);
        Publish(hub, "a1", "a1", "a1", "a1", "a1", "a1");

        var read = hub.Read(2, _ => true);

        Assert.False(read.Gap);
        Assert.Equal([3L, 4L, 5L, 6L], read.Events.Select(e => e.Sequence));
    }

    [Fact]
    public void Position_beyond_the_newest_is_a_gap_with_nothing_replayed()
    {
        var hub = new AccountEventHub(capacity: 4);
        Publish(hub, "a1");

        var read = hub.Read(50, _ => true);

        Assert.True(read.Gap);
        Assert.Empty(read.Events);
        Assert.Equal(1, read.Position);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("", null)]
    [InlineData("{stream}-7", 7L)]
    [InlineData("{stream}-x", null)]
    [InlineData("0123456789ab-7", null)]
    [InlineData("7", null)]
    public void Last_event_id_resumes_only_within_this_stream(string? lastEventId, long? expected)
    {
        var hub = new AccountEventHub();

        Assert.Equal(expected, hub.ResumePosition(lastEventId?.Replace("{stream}", hub.StreamId, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Next_publish_completes_when_an_event_arrives()
    {
        var hub = new AccountEventHub();
        var next = hub.NextPublish;
        Assert.False(next.IsCompleted);

        Publish(hub, "a1");

        await next.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(hub.NextPublish.IsCompleted);
    }

    private static void Publish(AccountEventHub hub, params string[] accounts)
    {
        foreach (var account in accounts)
        {
            hub.Publish(new AccountEvent(account, AccountEventKinds.DepositCredited, At, new Dictionary<string, string> { ["units"] = "1" }));
        }
    }
}
