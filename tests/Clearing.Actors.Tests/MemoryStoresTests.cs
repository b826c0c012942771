using Clearing.Actors.Lease;
using Clearing.Actors.Reminders;
using Clearing.Actors.Storage;
using Clearing.Actors.Testing;

namespace Clearing.Actors.Tests;

/// <summary>The memory stores against the contracts of IGrainStorage, IHostLease and IReminderTable.</summary>
public sealed class MemoryStoresTests
{
    private static readonly GrainId Grain = new("counter", "k");
    private readonly FakeClock _clock = new();
    private readonly MemoryHostLease _lease = new();

    [Fact]
    public async Task Versions_start_at_zero_go_up_by_one_per_write_and_clear_keeps_a_tombstone()
    {
        var storage = new MemoryGrainStorage(_lease);
        var epoch = (await _lease.TryAcquireAsync("h", _clock.GetUtcNow(), TimeSpan.FromSeconds(30), CancellationToken.None))!.Epoch;

        Assert.Equal(GrainStateRecord.Missing, await storage.ReadAsync(Grain, "s", CancellationToken.None));
        Assert.Equal(1, await storage.WriteAsync(Grain, "s", "{\"a\":1}", 0, epoch, CancellationToken.None));
        Assert.Equal(2, await storage.WriteAsync(Grain, "s", "{\"a\":2}", 1, epoch, CancellationToken.None));
        Assert.Equal(new GrainStateRecord(2, "{\"a\":2}"), await storage.ReadAsync(Grain, "s", CancellationToken.None));

        Assert.Equal(3, await storage.ClearAsync(Grain, "s", 2, epoch, CancellationToken.None));
        var cleared = await storage.ReadAsync(Grain, "s", CancellationToken.None);
        Assert.Equal(new GrainStateRecord(3, null), cleared);
        Assert.False(cleared.RecordExists);

        // A writer that read before the clear (version 2, or 0 "never written") is refused: versions never go back.
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteAsync(Grain, "s", "{}", 2, epoch, CancellationToken.None));
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteAsync(Grain, "s", "{}", 0, epoch, CancellationToken.None));
        Assert.Equal(4, await storage.WriteAsync(Grain, "s", "{}", 3, epoch, CancellationToken.None));
    }

    [Fact]
    public async Task Fenced_epoch_wins_over_a_version_conflict_and_a_refused_write_changes_nothing()
    {
        var storage = new MemoryGrainStorage(_lease);
        await _lease.TryAcquireAsync("h1", _clock.GetUtcNow(), TimeSpan.FromSeconds(30), CancellationToken.None);
        await storage.WriteAsync(Grain, "s", "{\"v\":1}", 0, 1, CancellationToken.None);
        _clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(2, (await _lease.TryAcquireAsync("h2", _clock.GetUtcNow(), TimeSpan.FromSeconds(30), CancellationToken.None))!.Epoch);

        var fenced = await Assert.ThrowsAsync<FencedWriteException>(() => storage.WriteAsync(Grain, "s", "{\"v\":9}", 7, 1, CancellationToken.None));
        Assert.Equal((1, 2), (fenced.WriteEpoch, fenced.CurrentEpoch));
        await Assert.ThrowsAsync<FencedWriteException>(() => storage.ClearAsync(Grain, "s", 1, 1, CancellationToken.None));
        Assert.Equal(new GrainStateRecord(1, "{\"v\":1}"), await storage.ReadAsync(Grain, "s", CancellationToken.None));
    }

    [Fact]
    public async Task Lease_renewal_keeps_the_epoch_a_new_tenure_bumps_it_and_release_lets_a_standby_in_at_once()
    {
        var ttl = TimeSpan.FromSeconds(30);
        var now = _clock.GetUtcNow();
        Assert.Null(await _lease.ReadAsync(CancellationToken.None));

        Assert.Equal(new LeaseGrant("a", 1, now + ttl), await _lease.TryAcquireAsync("a", now, ttl, CancellationToken.None));
        Assert.Null(await _lease.TryAcquireAsync("b", now + TimeSpan.FromSeconds(29), ttl, CancellationToken.None));
        Assert.Equal(new LeaseGrant("a", 1, now + TimeSpan.FromSeconds(59)), await _lease.TryAcquireAsync("a", now + TimeSpan.FromSeconds(29), ttl, CancellationToken.None));

        // Lapsed: even the same holder starts a new tenure.
        Assert.Equal(2, (await _lease.TryAcquireAsync("a", now + TimeSpan.FromSeconds(59), ttl, CancellationToken.None))!.Epoch);

        await _lease.ReleaseAsync("b", 2, now + TimeSpan.FromSeconds(60), CancellationToken.None); // not the holder: no effect
        Assert.Null(await _lease.TryAcquireAsync("b", now + TimeSpan.FromSeconds(60), ttl, CancellationToken.None));
        await _lease.ReleaseAsync("a", 2, now + TimeSpan.FromSeconds(60), CancellationToken.None);
        Assert.Equal(new LeaseGrant("b", 3, now + TimeSpan.FromSeconds(90)), await _lease.TryAcquireAsync("b", now + TimeSpan.FromSeconds(60), ttl, CancellationToken.None));
    }

    [Fact]
    public async Task Reminder_table_upserts_by_grain_and_name_and_fences_writes()
    {
        var table = new MemoryReminderTable(_lease);
        var epoch = (await _lease.TryAcquireAsync("h", _clock.GetUtcNow(), TimeSpan.FromSeconds(30), CancellationToken.None))!.Epoch;
        var first = new ReminderEntry(Grain, "r", _clock.GetUtcNow(), TimeSpan.FromMinutes(1));
        var moved = first with { Period = TimeSpan.FromMinutes(2) };

        await table.UpsertAsync(first, epoch, CancellationToken.None);
        await table.UpsertAsync(moved, epoch, CancellationToken.None);
        Assert.Equal([moved], await table.ReadAllAsync(CancellationToken.None));
        Assert.Equal(moved, await table.ReadAsync(Grain, "r", CancellationToken.None));

        await Assert.ThrowsAsync<FencedWriteException>(() => table.RemoveAsync(Grain, "r", epoch + 1, CancellationToken.None));
        Assert.True(await table.RemoveAsync(Grain, "r", epoch, CancellationToken.None));
        Assert.False(await table.RemoveAsync(Grain, "r", epoch, CancellationToken.None));
        Assert.Null(await table.ReadAsync(Grain, "r", CancellationToken.None));
    }
}
