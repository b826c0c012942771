using Clearing.Persistence.UnitOfWork;
using Clearing.TestKit;

namespace Clearing.Persistence.Tests.Stores;

public sealed class SqliteGroupCommitTests : GroupCommitTests, IAsyncLifetime
{
    private readonly SqliteDatabases databases = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => databases.DisposeAsync().AsTask();

    protected override Task<ClearingDatabase> CreateDatabaseAsync() => databases.CreateAsync();

    // BEGIN IMMEDIATE: every other writer's BEGIN waits (busy_timeout) until this transaction ends.
    protected override async Task<IAsyncDisposable> HoldWriteLockAsync(ClearingDatabase database)
    {
        var connection = await database.OpenAsync();
        var transaction = await database.Dialect.BeginWriteAsync(connection, default);
        return new HeldLock(connection, transaction);
    }

    // A deferred foreign key is checked at COMMIT: the trigger adds a row whose parent never exists.
    protected override string FailAtCommitSql => """
        CREATE TABLE commit_parent (id INTEGER PRIMARY KEY);
        CREATE TABLE commit_child (parent INTEGER REFERENCES commit_parent (id) DEFERRABLE INITIALLY DEFERRED);
        CREATE TRIGGER fail_at_commit AFTER INSERT ON ledger_entry WHEN NEW.kind = 'fail-at-commit'
        BEGIN INSERT INTO commit_child (parent) VALUES (1); END;
        """;
}

[Trait("RealComponent", "true")]
[Collection(PostgresCollection.Name)]
public sealed class PostgresGroupCommitTests(PostgresFixture postgres) : GroupCommitTests
{
    protected override Task<ClearingDatabase> CreateDatabaseAsync() => PostgresCollection.CreateAsync(postgres);

    // The lease row locked FOR UPDATE: every writer's fence (FOR SHARE) waits until this transaction ends.
    protected override async Task<IAsyncDisposable> HoldWriteLockAsync(ClearingDatabase database)
    {
        var connection = await database.OpenAsync();
        var transaction = await database.Dialect.BeginWriteAsync(connection, default);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT epoch FROM host_lease WHERE lease_id = 1 FOR UPDATE";
        await command.ExecuteScalarAsync();
        return new HeldLock(connection, transaction);
    }

    // A deferred constraint trigger runs at COMMIT, after every statement of the transaction succeeded.
    protected override string FailAtCommitSql => """
        CREATE FUNCTION fail_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'refused at commit by the test'; END $$;
        CREATE CONSTRAINT TRIGGER fail_at_commit AFTER INSERT ON ledger_entry DEFERRABLE INITIALLY DEFERRED
        FOR EACH ROW WHEN (NEW.kind = 'fail-at-commit') EXECUTE FUNCTION fail_at_commit();
        """;
}

/// <summary>An open write transaction; disposing it rolls it back and releases its lock.</summary>
internal sealed class HeldLock(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction) : IAsyncDisposable
{
    public async ValueTask DisposeAsync()
    {
        await transaction.RollbackAsync();
        await transaction.DisposeAsync();
        await connection.DisposeAsync();
    }
}

public sealed class GroupCommitOptionsTests
{
    private static readonly ClearingDatabase Unused = new(SqlDialect.Sqlite, "Data Source=unused.db");

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 0)]
    public void Options_out_of_range_are_refused(int maxBatchSize, int maxConcurrentBatches) =>
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            new DurableUnitOfWork(Unused, new GroupCommitOptions { MaxBatchSize = maxBatchSize, MaxConcurrentBatches = maxConcurrentBatches }));

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public void Group_commit_is_on_only_when_the_persistence_options_ask_for_it(bool configured, bool on) =>
        Assert.Equal(on, DurableUnitOfWork.FromOptions(Unused, new PersistenceOptions { Provider = "sqlite", ConnectionString = "Data Source=unused.db", GroupCommit = configured }).GroupCommit is not null);

    [Fact]
    public void Without_options_there_is_no_group_commit() => Assert.Null(new DurableUnitOfWork(Unused).GroupCommit);
}
