using Clearing.Actors;
using Clearing.Actors.Lease;
using Clearing.Actors.Storage;
using Clearing.Persistence.ActorStorage;

namespace Clearing.Grains.Tests.Risk;

/// <summary>The read-all the risk book rebuilds from: the same answer from the memory and the SQL storages.</summary>
public sealed class GrainStateScanTests : IAsyncLifetime
{
    private readonly SqliteTestDatabases databases = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => databases.DisposeAsync().AsTask();

    [Fact]
    public async Task Scan_returns_every_written_state_of_one_type_and_name_by_key_without_tombstones()
    {
        var lease = new MemoryHostLease();
        var memory = new MemoryGrainStorage(lease);
        var database = await databases.CreateAsync();
        var sqlLease = new SqlHostLease(database);
        var sql = new SqlGrainStorage(database);
        var memoryEpoch = (await lease.TryAcquireAsync("host", DateTimeOffset.UnixEpoch, TimeSpan.FromMinutes(1), CancellationToken.None))!.Epoch;
        var sqlEpoch = (await sqlLease.TryAcquireAsync("host", DateTimeOffset.UnixEpoch, TimeSpan.FromMinutes(1), CancellationToken.None))!.Epoch;

        foreach (var (storage, epoch) in new (IGrainStorage, long)[] { (memory, memoryEpoch), (sql, sqlEpoch) })
        {
            await storage.WriteAsync(new GrainId("margin-account", "zed"), "account", "{\"z\":1}", 0, epoch, CancellationToken.None);
            await storage.WriteAsync(new GrainId("margin-account", "amy"), "account", "{\"a\":1}", 0, epoch, CancellationToken.None);
            await storage.WriteAsync(new GrainId("margin-account", "amy"), "account", "{\"a\":2}", 1, epoch, CancellationToken.None);
            await storage.WriteAsync(new GrainId("margin-account", "gone"), "account", "{}", 0, epoch, CancellationToken.None);
            await storage.ClearAsync(new GrainId("margin-account", "gone"), "account", 1, epoch, CancellationToken.None);
            await storage.WriteAsync(new GrainId("margin-account", "amy"), "other", "{}", 0, epoch, CancellationToken.None);
            await storage.WriteAsync(new GrainId("member", "amy"), "account", "{}", 0, epoch, CancellationToken.None);
        }

        ScannedGrainState[] expected = [new("amy", 2, "{\"a\":2}"), new("zed", 1, "{\"z\":1}")];
        Assert.Equal(expected, await memory.ScanAsync("margin-account", "account", CancellationToken.None));
        Assert.Equal(expected, await sql.ScanAsync("margin-account", "account", CancellationToken.None));
    }
}
