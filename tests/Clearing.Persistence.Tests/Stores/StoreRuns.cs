using Clearing.Actors;
using Clearing.Actors.Storage;
using Clearing.Persistence.ActorStorage;
using Clearing.TestKit;

namespace Clearing.Persistence.Tests.Stores;

public sealed class SqliteStoreTests : StoreTests, IAsyncLifetime
{
    private readonly SqliteDatabases databases = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => databases.DisposeAsync().AsTask();

    protected override Task<ClearingDatabase> CreateDatabaseAsync(bool migrate = true) => databases.CreateAsync(migrate);

    [Theory]
    [InlineData("PRAGMA journal_mode", "wal")]
    [InlineData("PRAGMA busy_timeout", "10000")]
    [InlineData("PRAGMA foreign_keys", "1")]
    [InlineData("PRAGMA synchronous", "2")] // FULL
    public async Task Every_sqlite_connection_is_prepared_for_a_durable_writer(string pragma, string expected)
    {
        var database = await databases.CreateAsync();

        var value = await database.ReadAsync(async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = pragma;
            return Convert.ToString(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
        });

        Assert.Equal(expected, value);
    }
}

[Trait("RealComponent", "true")]
[Collection(PostgresCollection.Name)]
public sealed class PostgresStoreTests(PostgresFixture postgres) : StoreTests
{
    protected override Task<ClearingDatabase> CreateDatabaseAsync(bool migrate = true) => PostgresCollection.CreateAsync(postgres, migrate);

    [Fact]
    public async Task A_write_racing_an_uncommitted_takeover_waits_for_it_and_is_then_fenced()
    {
        var database = await CreateDatabaseAsync();
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var grant = await new SqlHostLease(database).TryAcquireAsync("host-a", start, TimeSpan.FromSeconds(30), default);
        var account = new GrainId("margin-account", "acct-1");

        // host-b's takeover, caught between its update of the lease row and its commit.
        await using var takeoverConnection = await database.OpenAsync();
        await using var takeover = await takeoverConnection.BeginTransactionAsync();
        await using (var bump = takeoverConnection.CreateCommand())
        {
            bump.Transaction = takeover;
            bump.CommandText = "UPDATE host_lease SET holder = 'host-b', epoch = epoch + 1 WHERE lease_id = 1";
            await bump.ExecuteNonQueryAsync();
        }

        var write = Task.Run(() => new SqlGrainStorage(database).WriteAsync(account, "state", "{}", 0, grant!.Epoch, default));
        await Wait.UntilAsync(async () => await LockWaitersAsync(database) > 0, TimeSpan.FromSeconds(30), "the write's fence to wait on the lease row");
        Assert.False(write.IsCompleted);
        await takeover.CommitAsync();

        var fenced = await Assert.ThrowsAsync<FencedWriteException>(() => write);
        Assert.Equal(grant!.Epoch + 1, fenced.CurrentEpoch);
        Assert.Equal(GrainStateRecord.Missing, await new SqlGrainStorage(database).ReadAsync(account, "state", default));
    }

    private static Task<long> LockWaitersAsync(ClearingDatabase database) => database.ReadAsync(async connection =>
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'";
        return (long)(await command.ExecuteScalarAsync())!;
    });
}
