using Clearing.Actors;
using Clearing.Actors.Lease;
using Clearing.Actors.Reminders;
using Clearing.Actors.Storage;

namespace Clearing.Persistence.Tests.Conformance;

/// <summary>The three storage contracts of one "database", over the same lease row.</summary>
public sealed record StorageUnderTest(IGrainStorage Grains, IReminderTable Reminders, IHostLease Lease);

/// <summary>
/// The storage conformance suite, modelled on Orleans' persistence TestKit (read missing, write/read, ETag
/// progression, stale ETag, clear, write after clear, concurrent writers) plus this host's fencing, reminders and
/// lease. Written once; each derived class runs all of it against one implementation.
/// </summary>
public abstract class StorageConformanceTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(30);
    private static readonly GrainId Account = new("margin-account", "acct-7");
    private const string StateName = "state";

    protected abstract Task<StorageUnderTest> CreateStorageAsync();

    private async Task<(StorageUnderTest Storage, long Epoch)> StartAsync()
    {
        var storage = await CreateStorageAsync();
        var grant = await storage.Lease.TryAcquireAsync("host-a", T0, Ttl, default);
        Assert.NotNull(grant);
        return (storage, grant.Epoch);
    }

    [Fact]
    public async Task Read_of_never_written_state_is_missing_at_version_zero()
    {
        var (storage, _) = await StartAsync();

        var record = await storage.Grains.ReadAsync(Account, StateName, default);

        Assert.Equal(0, record.Version);
        Assert.Null(record.Json);
        Assert.False(record.RecordExists);
    }

    [Fact]
    public async Task Write_then_read_returns_the_written_json_verbatim_at_version_one()
    {
        var (storage, epoch) = await StartAsync();
        // Whitespace, key order and non-ASCII must survive: the store keeps text, it does not normalise JSON.
        const string json = "{ \"b\": 2,  \"a\": \"dépôt ✓\", \"amount\": \"115792089237316195423570985008687907853269984665640564039457584007913129639935\" }";

        var version = await storage.Grains.WriteAsync(Account, StateName, json, 0, epoch, default);
        var record = await storage.Grains.ReadAsync(Account, StateName, default);

        Assert.Equal(1, version);
        Assert.Equal(new GrainStateRecord(1, json), record);
        Assert.True(record.RecordExists);
    }

    [Fact]
    public async Task Every_write_returns_the_previous_version_plus_one()
    {
        var (storage, epoch) = await StartAsync();

        var versions = new List<long>();
        for (var expected = 0L; expected < 5; expected++)
        {
            versions.Add(await storage.Grains.WriteAsync(Account, StateName, $"{{\"n\":{expected}}}", expected, epoch, default));
        }

        Assert.Equal([1L, 2, 3, 4, 5], versions);
        Assert.Equal(new GrainStateRecord(5, "{\"n\":4}"), await storage.Grains.ReadAsync(Account, StateName, default));
    }

    [Theory]
    [InlineData(0)] // a first write racing an existing record
    [InlineData(1)] // a writer one version behind
    [InlineData(3)] // a writer claiming a version from the future
    public async Task Write_with_a_stale_version_throws_and_changes_nothing(long staleVersion)
    {
        var (storage, epoch) = await StartAsync();
        await storage.Grains.WriteAsync(Account, StateName, "{\"v\":1}", 0, epoch, default);
        await storage.Grains.WriteAsync(Account, StateName, "{\"v\":2}", 1, epoch, default);

        var refused = await Assert.ThrowsAsync<InconsistentStateException>(
            () => storage.Grains.WriteAsync(Account, StateName, "{\"v\":\"stale\"}", staleVersion, epoch, default));

        Assert.Equal(2, refused.StoredVersion);
        Assert.Equal(staleVersion, refused.CurrentVersion);
        Assert.Equal(new GrainStateRecord(2, "{\"v\":2}"), await storage.Grains.ReadAsync(Account, StateName, default));
    }

    [Fact]
    public async Task Write_expecting_a_version_of_a_never_written_state_throws()
    {
        var (storage, epoch) = await StartAsync();

        var refused = await Assert.ThrowsAsync<InconsistentStateException>(
            () => storage.Grains.WriteAsync(Account, StateName, "{}", 4, epoch, default));

        Assert.Equal(0, refused.StoredVersion);
        Assert.Equal(GrainStateRecord.Missing, await storage.Grains.ReadAsync(Account, StateName, default));
    }

    [Fact]
    public async Task Clear_leaves_a_tombstone_at_the_next_version()
    {
        var (storage, epoch) = await StartAsync();
        await storage.Grains.WriteAsync(Account, StateName, "{\"v\":1}", 0, epoch, default);

        var version = await storage.Grains.ClearAsync(Account, StateName, 1, epoch, default);
        var record = await storage.Grains.ReadAsync(Account, StateName, default);

        Assert.Equal(2, version);
        Assert.Equal(new GrainStateRecord(2, null), record);
        Assert.False(record.RecordExists);
    }

    [Fact]
    public async Task Clear_of_a_never_written_state_leaves_a_tombstone_at_version_one()
    {
        var (storage, epoch) = await StartAsync();

        Assert.Equal(1, await storage.Grains.ClearAsync(Account, StateName, 0, epoch, default));
        Assert.Equal(new GrainStateRecord(1, null), await storage.Grains.ReadAsync(Account, StateName, default));
    }

    [Fact]
    public async Task Write_after_clear_continues_from_the_tombstone_version()
    {
        var (storage, epoch) = await StartAsync();
        await storage.Grains.WriteAsync(Account, StateName, "{\"v\":1}", 0, epoch, default);
        await storage.Grains.ClearAsync(Account, StateName, 1, epoch, default);

        var version = await storage.Grains.WriteAsync(Account, StateName, "{\"v\":3}", 2, epoch, default);

        Assert.Equal(3, version);
        Assert.Equal(new GrainStateRecord(3, "{\"v\":3}"), await storage.Grains.ReadAsync(Account, StateName, default));
    }

    [Fact]
    public async Task A_writer_holding_a_version_from_before_the_clear_is_refused()
    {
        var (storage, epoch) = await StartAsync();
        await storage.Grains.WriteAsync(Account, StateName, "{\"v\":1}", 0, epoch, default);
        await storage.Grains.ClearAsync(Account, StateName, 1, epoch, default);

        // Neither "the record is gone, so version 0" nor the pre-clear version 1 may write over the tombstone.
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.Grains.WriteAsync(Account, StateName, "{}", 0, epoch, default));
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.Grains.WriteAsync(Account, StateName, "{}", 1, epoch, default));
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.Grains.ClearAsync(Account, StateName, 1, epoch, default));
        Assert.Equal(new GrainStateRecord(2, null), await storage.Grains.ReadAsync(Account, StateName, default));
    }

    [Fact]
    public async Task Grain_type_key_and_state_name_each_address_a_separate_record()
    {
        var (storage, epoch) = await StartAsync();
        GrainId[] grains = [Account, Account with { Key = "acct-8" }, Account with { Type = "member" }];
        foreach (var grain in grains)
        {
            await storage.Grains.WriteAsync(grain, StateName, $"\"{grain}\"", 0, epoch, default);
        }

        await storage.Grains.WriteAsync(Account, "other", "\"other\"", 0, epoch, default);

        foreach (var grain in grains)
        {
            Assert.Equal(new GrainStateRecord(1, $"\"{grain}\""), await storage.Grains.ReadAsync(grain, StateName, default));
        }

        Assert.Equal(new GrainStateRecord(1, "\"other\""), await storage.Grains.ReadAsync(Account, "other", default));
    }

    [Theory]
    [InlineData(0)] // racing first writes (insert)
    [InlineData(3)] // racing updates of an existing record
    public async Task Of_concurrent_writers_holding_the_same_version_exactly_one_wins(int writesBefore)
    {
        const int writers = 8;
        var (storage, epoch) = await StartAsync();
        for (var v = 0; v < writesBefore; v++)
        {
            await storage.Grains.WriteAsync(Account, StateName, "{}", v, epoch, default);
        }

        var attempts = Enumerable.Range(0, writers)
            .Select(i => Task.Run(() => storage.Grains.WriteAsync(Account, StateName, $"{{\"writer\":{i}}}", writesBefore, epoch, default)))
            .ToList();
        await Task.WhenAll(attempts.Select(a => a.ContinueWith(_ => { }, TaskScheduler.Default)));

        var winners = attempts.Where(a => a.IsCompletedSuccessfully).ToList();
        var winner = Assert.Single(winners);
        Assert.Equal(writesBefore + 1, await winner);
        Assert.All(attempts.Where(a => !a.IsCompletedSuccessfully), a => Assert.IsType<InconsistentStateException>(a.Exception!.InnerException));
        var stored = await storage.Grains.ReadAsync(Account, StateName, default);
        Assert.Equal(writesBefore + 1, stored.Version);
        Assert.Contains(stored.Json, Enumerable.Range(0, writers).Select(i => $"{{\"writer\":{i}}}"));
    }

    [Fact]
    public async Task A_write_with_an_old_epoch_is_fenced_and_changes_nothing()
    {
        var (storage, oldEpoch) = await StartAsync();
        await storage.Grains.WriteAsync(Account, StateName, "{\"by\":\"a\"}", 0, oldEpoch, default);
        var takeover = await storage.Lease.TryAcquireAsync("host-b", T0 + Ttl, Ttl, default);
        Assert.NotNull(takeover);

        var fenced = await Assert.ThrowsAsync<FencedWriteException>(
            () => storage.Grains.WriteAsync(Account, StateName, "{\"by\":\"deposed a\"}", 1, oldEpoch, default));
        await Assert.ThrowsAsync<FencedWriteException>(() => storage.Grains.ClearAsync(Account, StateName, 1, oldEpoch, default));

        Assert.Equal(oldEpoch, fenced.WriteEpoch);
        Assert.Equal(takeover.Epoch, fenced.CurrentEpoch);
        Assert.Equal(new GrainStateRecord(1, "{\"by\":\"a\"}"), await storage.Grains.ReadAsync(Account, StateName, default));
        Assert.Equal(2, await storage.Grains.WriteAsync(Account, StateName, "{\"by\":\"b\"}", 1, takeover.Epoch, default));
    }

    [Fact]
    public async Task Fencing_is_checked_before_the_version()
    {
        var (storage, epoch) = await StartAsync();

        // Wrong epoch and wrong version together: the fence answers.
        await Assert.ThrowsAsync<FencedWriteException>(() => storage.Grains.WriteAsync(Account, StateName, "{}", 7, epoch + 1, default));
    }

    [Fact]
    public async Task Reminder_upsert_then_read_round_trips_and_a_second_upsert_replaces_it()
    {
        var (storage, epoch) = await StartAsync();
        var first = new ReminderEntry(Account, "funding", T0.AddMilliseconds(1_234), TimeSpan.FromMinutes(1));
        var replaced = first with { StartAt = T0.AddHours(1), Period = TimeSpan.FromMilliseconds(8_001) };

        await storage.Reminders.UpsertAsync(first, epoch, default);
        Assert.Equal(first, await storage.Reminders.ReadAsync(Account, "funding", default));

        await storage.Reminders.UpsertAsync(replaced, epoch, default);
        Assert.Equal(replaced, await storage.Reminders.ReadAsync(Account, "funding", default));
        Assert.Equal([replaced], await storage.Reminders.ReadAllAsync(default));
    }

    [Fact]
    public async Task Reminders_of_every_grain_are_read_back_after_a_restart_and_removed_by_name()
    {
        var (storage, epoch) = await StartAsync();
        ReminderEntry[] entries =
        [
            new(Account, "funding", T0, TimeSpan.FromHours(1)),
            new(Account, "health", T0, TimeSpan.FromSeconds(10)),
            new(new GrainId("netting", "book"), "funding", T0.AddDays(1), TimeSpan.FromDays(1)),
        ];
        foreach (var entry in entries)
        {
            await storage.Reminders.UpsertAsync(entry, epoch, default);
        }

        var all = await storage.Reminders.ReadAllAsync(default);
        Assert.Equal(entries.OrderBy(e => e.ToString()), all.OrderBy(e => e.ToString()));

        Assert.True(await storage.Reminders.RemoveAsync(Account, "health", epoch, default));
        Assert.False(await storage.Reminders.RemoveAsync(Account, "health", epoch, default));
        Assert.Null(await storage.Reminders.ReadAsync(Account, "health", default));
        Assert.Equal(2, (await storage.Reminders.ReadAllAsync(default)).Count);
    }

    [Fact]
    public async Task Reminder_writes_with_an_old_epoch_are_fenced()
    {
        var (storage, oldEpoch) = await StartAsync();
        var entry = new ReminderEntry(Account, "funding", T0, TimeSpan.FromHours(1));
        await storage.Reminders.UpsertAsync(entry, oldEpoch, default);
        Assert.NotNull(await storage.Lease.TryAcquireAsync("host-b", T0 + Ttl, Ttl, default));

        await Assert.ThrowsAsync<FencedWriteException>(() => storage.Reminders.UpsertAsync(entry with { Period = TimeSpan.FromSeconds(1) }, oldEpoch, default));
        await Assert.ThrowsAsync<FencedWriteException>(() => storage.Reminders.RemoveAsync(Account, "funding", oldEpoch, default));

        Assert.Equal(entry, await storage.Reminders.ReadAsync(Account, "funding", default));
    }

    [Fact]
    public async Task Lease_is_unheld_until_the_first_grant_which_has_epoch_one()
    {
        var storage = await CreateStorageAsync();
        Assert.Null(await storage.Lease.ReadAsync(default));

        var grant = await storage.Lease.TryAcquireAsync("host-a", T0, Ttl, default);

        Assert.Equal(new LeaseGrant("host-a", 1, T0 + Ttl), grant);
        Assert.Equal(grant, await storage.Lease.ReadAsync(default));
    }

    [Fact]
    public async Task The_lease_read_back_is_the_grant_even_from_a_clock_finer_than_a_millisecond()
    {
        var storage = await CreateStorageAsync();
        var now = T0.AddTicks(12_345); // 1.2345 ms: a system clock has sub-millisecond ticks

        var grant = await storage.Lease.TryAcquireAsync("host-a", now, Ttl, default);

        Assert.Equal(grant, await storage.Lease.ReadAsync(default));
        Assert.True(grant!.IsHeldAt(now));
        Assert.InRange(grant.ExpiresAt, now + Ttl - TimeSpan.FromMilliseconds(1), now + Ttl);
    }

    [Fact]
    public async Task Renewal_by_the_holder_keeps_the_epoch_and_moves_the_expiry()
    {
        var (storage, epoch) = await StartAsync();

        var renewed = await storage.Lease.TryAcquireAsync("host-a", T0 + TimeSpan.FromSeconds(10), Ttl, default);

        Assert.Equal(new LeaseGrant("host-a", epoch, T0 + TimeSpan.FromSeconds(10) + Ttl), renewed);
    }

    [Fact]
    public async Task Another_host_cannot_take_a_lease_that_has_not_lapsed()
    {
        var (storage, epoch) = await StartAsync();

        // One millisecond before expiry the lease is still held.
        Assert.Null(await storage.Lease.TryAcquireAsync("host-b", T0 + Ttl - TimeSpan.FromMilliseconds(1), Ttl, default));
        Assert.Equal(new LeaseGrant("host-a", epoch, T0 + Ttl), await storage.Lease.ReadAsync(default));
    }

    [Theory]
    [InlineData("host-b")] // a standby takes over
    [InlineData("host-a")] // the old holder comes back after a lapse: a new tenure all the same
    public async Task After_a_lapse_the_next_acquirer_gets_a_new_epoch(string acquirer)
    {
        var (storage, epoch) = await StartAsync();

        var takeover = await storage.Lease.TryAcquireAsync(acquirer, T0 + Ttl, Ttl, default);

        Assert.Equal(new LeaseGrant(acquirer, epoch + 1, T0 + Ttl + Ttl), takeover);
    }

    [Fact]
    public async Task Release_lets_a_standby_take_over_at_once_with_the_next_epoch()
    {
        var (storage, epoch) = await StartAsync();
        var release = T0 + TimeSpan.FromSeconds(5);

        await storage.Lease.ReleaseAsync("host-b", epoch, release, default); // not the holder: ignored
        Assert.Null(await storage.Lease.TryAcquireAsync("host-b", release, Ttl, default));
        await storage.Lease.ReleaseAsync("host-a", epoch, release, default);
        var takeover = await storage.Lease.TryAcquireAsync("host-b", release, Ttl, default);

        Assert.Equal(new LeaseGrant("host-b", epoch + 1, release + Ttl), takeover);
    }

    [Fact]
    public async Task Of_hosts_racing_for_a_lapsed_lease_exactly_one_wins()
    {
        var (storage, epoch) = await StartAsync();

        var racers = await Task.WhenAll(Enumerable.Range(0, 6)
            .Select(i => Task.Run(() => storage.Lease.TryAcquireAsync($"standby-{i}", T0 + Ttl, Ttl, default))));

        var winner = Assert.Single(racers, grant => grant is not null);
        Assert.Equal(epoch + 1, winner!.Epoch);
        Assert.Equal(winner, await storage.Lease.ReadAsync(default));
    }
}
