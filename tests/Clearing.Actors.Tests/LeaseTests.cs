using Clearing.Actors.Hosting;
using Clearing.Actors.Storage;

namespace Clearing.Actors.Tests;

public sealed class LeaseTests : IAsyncLifetime
{
    private static readonly TimeSpan PastTtl = TimeSpan.FromSeconds(40); // TTL 30 s, renewals every 10 s
    private readonly ActorTestContext _context = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _context.DisposeAsync();

    [Fact]
    public async Task Standby_without_the_lease_serves_no_calls_and_cannot_write()
    {
        var active = await _context.StartHostAsync("host-a");
        var standby = await _context.StartHostAsync("host-b");

        Assert.True(active.IsActive);
        Assert.False(standby.IsActive);
        await Assert.ThrowsAsync<HostNotActiveException>(() => standby.GrainFactory.GetGrain<ICounterGrain>("x").IncrementAsync());

        // Renewals keep the lease with the active host however long it runs.
        _context.Clock.Advance(TimeSpan.FromMinutes(5));
        Assert.True(active.IsActive);
        Assert.False(standby.IsActive);
        Assert.Equal(1, await active.GrainFactory.GetGrain<ICounterGrain>("x").IncrementAsync());

        // The storage refuses any epoch but the holder's.
        await Assert.ThrowsAsync<FencedWriteException>(() => _context.Stores.GrainStorage["Default"]
            .WriteAsync(new GrainId("counter", "x"), "counter", "{}", 1, active.Epoch!.Value - 1, CancellationToken.None));
    }

    [Fact]
    public async Task Standby_takes_over_when_the_lease_lapses_and_the_old_host_stops_serving()
    {
        var partitionable = new PartitionableLease(_context.Stores.Lease);
        var old = await _context.StartHostAsync("host-a", partitionable);
        var standby = await _context.StartHostAsync("host-b");
        Assert.Equal(5, await IncrementTimes(old, "acct", 5));

        partitionable.Partitioned = true; // host-a can no longer renew
        _context.Clock.Advance(TimeSpan.FromSeconds(20));
        Assert.True(old.IsActive); // its grant still runs
        Assert.False(standby.IsActive);

        _context.Clock.Advance(PastTtl - TimeSpan.FromSeconds(20));
        Assert.False(old.IsActive);
        Assert.True(standby.IsActive);
        Assert.Equal(2, standby.Epoch);
        await Assert.ThrowsAsync<HostNotActiveException>(() => old.GrainFactory.GetGrain<ICounterGrain>("acct").IncrementAsync());

        // The new host serves from storage what the old one wrote.
        Assert.Equal(6, await standby.GrainFactory.GetGrain<ICounterGrain>("acct").IncrementAsync());
    }

    [Fact]
    public async Task Write_by_a_deposed_host_is_fenced_and_does_not_land()
    {
        var partitionable = new PartitionableLease(_context.Stores.Lease);
        var options = _context.Options("host-a");
        var old = await _context.StartHostAsync("host-a", partitionable, new() { HostId = "host-a", DefaultCallTimeout = TimeSpan.FromMinutes(5), OnBackgroundError = options.OnBackgroundError });
        var standby = await _context.StartHostAsync("host-b");
        var onOld = old.GrainFactory.GetGrain<ICounterGrain>("acct");
        Assert.Equal(1, await onOld.IncrementAsync());

        // A turn on the old host is under way when it loses the lease and the standby takes over.
        var lateWrite = onOld.IncrementAfterGateAsync();
        await ActorTestContext.UntilAsync(() => _context.Probe.Count("waiting for the gate") == 1, "the old host's turn to start");
        partitionable.Partitioned = true;
        _context.Clock.Advance(PastTtl);
        Assert.True(standby.IsActive);
        Assert.Equal(2, await standby.GrainFactory.GetGrain<ICounterGrain>("acct").IncrementAsync());

        _context.Probe.Gate.SetResult();
        var fenced = await Assert.ThrowsAsync<FencedWriteException>(() => lateWrite);
        Assert.Equal(1, fenced.WriteEpoch);
        Assert.Equal(2, fenced.CurrentEpoch);

        var stored = await _context.Stores.GrainStorage["Default"].ReadAsync(new GrainId("counter", "acct"), "counter", CancellationToken.None);
        Assert.Equal(new GrainStateRecord(2, """{"Value":2}"""), stored); // the standby's write, not the old host's
    }

    [Fact]
    public async Task Stopped_host_releases_the_lease_at_once_and_a_turn_it_left_running_is_fenced()
    {
        var old = await _context.StartHostAsync("host-a");
        var stuck = old.GrainFactory.GetGrain<ICounterGrain>("acct").IncrementAfterGateAsync();
        await ActorTestContext.UntilAsync(() => _context.Probe.Count("waiting for the gate") == 1, "the turn to start");

        await old.StopAsync(new CancellationToken(canceled: true)); // do not wait for the stuck turn

        var successor = await _context.StartHostAsync("host-b"); // no TTL to wait out
        Assert.True(successor.IsActive);
        Assert.Equal(2, successor.Epoch);

        _context.Probe.Gate.SetResult();
        await Assert.ThrowsAsync<FencedWriteException>(() => stuck);
        Assert.Equal(1, await successor.GrainFactory.GetGrain<ICounterGrain>("acct").IncrementAsync());
    }

    [Fact]
    public async Task Host_that_regains_a_lapsed_lease_gets_a_new_epoch_and_reloads_its_grains()
    {
        var partitionable = new PartitionableLease(_context.Stores.Lease);
        var host = await _context.StartHostAsync("host-a", partitionable);
        var counter = host.GrainFactory.GetGrain<ICounterGrain>("acct");
        Assert.Equal(1, await counter.IncrementAsync());

        partitionable.Partitioned = true;
        _context.Clock.Advance(PastTtl);
        Assert.False(host.IsActive);

        partitionable.Partitioned = false;
        _context.Clock.Advance(TimeSpan.FromSeconds(10)); // next renewal tick
        Assert.True(host.IsActive);
        Assert.Equal(2, host.Epoch);

        Assert.Equal(2, await counter.IncrementAsync());
        Assert.Equal(["activate acct value=0 version=0", "activate acct value=1 version=1"], _context.Probe.Events);
    }

    private static async Task<int> IncrementTimes(ActorHost host, string key, int times)
    {
        var value = 0;
        for (var i = 0; i < times; i++)
        {
            value = await host.GrainFactory.GetGrain<ICounterGrain>(key).IncrementAsync();
        }

        return value;
    }
}
