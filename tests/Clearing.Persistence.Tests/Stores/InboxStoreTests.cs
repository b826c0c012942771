using System.Data.Common;
using System.Numerics;
using Clearing.Actors;
using Clearing.Actors.Storage;
using Clearing.Persistence.ActorStorage;
using Clearing.Persistence.Cursors;
using Clearing.Persistence.Idempotency;
using Clearing.Persistence.Inbox;
using Clearing.Persistence.Ledger;
using Clearing.Persistence.UnitOfWork;
using Clearing.TestKit;

namespace Clearing.Persistence.Tests.Stores;

/// <summary>
/// The deposit inbox (migration 0003) through the unit of work: a chain's batch — cursor, keys, journal, inbox rows — is
/// one transaction; a recipient's absorption removes its rows with its state. Run on SQLite and PostgreSQL.
/// </summary>
public abstract class InboxStoreTests
{
    private const string Chain = "evm-1";
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly GrainId Alice = new("margin-account", "alice");

    protected abstract Task<ClearingDatabase> CreateDatabaseAsync();

    /// <summary>A trigger that fails the insert of the inbox row of transaction <c>poison</c>: a crash after everything before it was written.</summary>
    protected abstract string PoisonTriggerSql { get; }

    private sealed record Db(ClearingDatabase Database, long Epoch)
    {
        public DurableUnitOfWork UnitOfWork { get; } = new(Database);

        public AccountInboxStore Inbox { get; } = new(Database);

        public LedgerStore Ledger { get; } = new(Database);

        public Task<long> CountAsync(string table) => Database.CountRowsAsync(table);

        public Task ExecuteRawAsync(string sql) => Database.ExecuteRawAsync(sql);
    }

    private async Task<Db> StartAsync()
    {
        var database = await CreateDatabaseAsync();
        var grant = await new SqlHostLease(database).TryAcquireAsync("host-a", T0, TimeSpan.FromSeconds(30), default);
        return new Db(database, grant!.Epoch);
    }

    private static InboxDeposit Deposit(string tx, string recipient, BigInteger amount, int index = 0)
    {
        var key = $"credit:{Chain}:{tx}:{index}";
        return new InboxDeposit(
            new InboxCredit(key, recipient, Chain, tx, index, "USDC", amount, 7, "0xblock7", "0xdepositor", null, T0),
            $"{{\"credited\":\"{tx}\"}}",
            new JournalTransaction(key, T0, [new JournalEntry(recipient, Chain, "USDC", amount, "deposit"), new JournalEntry($"vault:{Chain}", Chain, "USDC", -amount, "deposit")]));
    }

    private static DurableCommit Batch(Db db, long? from, long to, params InboxDeposit[] deposits) =>
        new() { Epoch = db.Epoch, At = T0, Cursor = new CursorAdvance(Chain, from, to, $"0xblock{to}"), Deposits = deposits };

    [Fact]
    public async Task A_batch_writes_cursor_keys_journal_and_inbox_rows_together()
    {
        var db = await StartAsync();
        var big = BigInteger.Pow(2, 200);

        var outcome = await db.UnitOfWork.CommitAsync(Batch(db, null, 9, Deposit("0x01", "account:alice", 5), Deposit("0x02", "suspense:evm-1", big)));

        Assert.Empty(Assert.IsType<CommitOutcome.Committed>(outcome).DepositsCreditedBefore);
        Assert.Equal(9, (await new CursorStore(db.Database).GetAsync(Chain))!.Position);
        Assert.Equal("{\"credited\":\"0x01\"}", await new IdempotencyStore(db.Database).FindResultAsync("credit:evm-1:0x01:0"));
        var row = Assert.Single(await db.Inbox.ForRecipientAsync("account:alice"));
        Assert.Equal(Deposit("0x01", "account:alice", 5).Credit, row);
        Assert.Equal(big, Assert.Single(await db.Inbox.ForRecipientAsync("suspense:evm-1")).Amount);
        Assert.Equal(["account:alice", "suspense:evm-1"], await db.Inbox.RecipientsWithCreditsAsync(Chain));
        Assert.Equal(-(big + 5), await db.Ledger.BalanceAsync($"vault:{Chain}", Chain, "USDC"));
        Assert.Empty(await db.Ledger.TrialBalanceAsync());
    }

    [Fact]
    public async Task A_failure_after_the_journal_and_inbox_writes_leaves_nothing_of_the_batch()
    {
        var db = await StartAsync();
        await db.ExecuteRawAsync(PoisonTriggerSql);

        // The cursor, the first deposit's key, journal and inbox row and the second's key and journal are written
        // before the second inbox row fails: the transaction never reaches COMMIT.
        await Assert.ThrowsAnyAsync<DbException>(() => db.UnitOfWork.CommitAsync(Batch(db, null, 9, Deposit("0x01", "account:alice", 5), Deposit("poison", "account:bob", 3))));

        Assert.Null(await new CursorStore(db.Database).GetAsync(Chain));
        Assert.Equal(0, await db.CountAsync("idempotency_key"));
        Assert.Equal(0, await db.CountAsync("ledger_entry"));
        Assert.Equal(0, await db.CountAsync("account_inbox"));
    }

    [Fact]
    public async Task A_deposit_credited_before_is_skipped_and_the_rest_of_the_batch_commits()
    {
        var db = await StartAsync();
        await db.UnitOfWork.CommitAsync(Batch(db, null, 5, Deposit("0x01", "account:alice", 5)));

        var outcome = await db.UnitOfWork.CommitAsync(Batch(db, 5, 9, Deposit("0x01", "account:alice", 5), Deposit("0x02", "account:alice", 2)));

        Assert.Equal(["credit:evm-1:0x01:0"], Assert.IsType<CommitOutcome.Committed>(outcome).DepositsCreditedBefore);
        Assert.Equal(new BigInteger(7), await db.Ledger.BalanceAsync("account:alice", Chain, "USDC"));
        Assert.Equal(["0x01", "0x02"], (await db.Inbox.ForRecipientAsync("account:alice")).Select(c => c.TransactionId));
        Assert.Equal(9, (await new CursorStore(db.Database).GetAsync(Chain))!.Position);
    }

    [Fact]
    public async Task A_cursor_moved_by_another_writer_rolls_back_every_credit_of_the_batch()
    {
        var db = await StartAsync();
        await db.UnitOfWork.CommitAsync(Batch(db, null, 5));

        await Assert.ThrowsAsync<CursorConflictException>(() => db.UnitOfWork.CommitAsync(Batch(db, 4, 9, Deposit("0x01", "account:alice", 5))));

        Assert.Equal(0, await db.CountAsync("idempotency_key"));
        Assert.Equal(0, await db.CountAsync("account_inbox"));
        Assert.Equal(0, await db.CountAsync("ledger_entry"));
    }

    [Fact]
    public async Task Absorbing_removes_the_rows_with_the_recipients_state_and_a_second_absorption_is_refused()
    {
        var db = await StartAsync();
        await db.UnitOfWork.CommitAsync(Batch(db, null, 5, Deposit("0x01", "account:alice", 5), Deposit("0x02", "account:bob", 4)));
        var absorbed = new AbsorbedCredit("credit:evm-1:0x01:0", "account:alice");

        var outcome = await db.UnitOfWork.CommitAsync(new DurableCommit
        {
            Epoch = db.Epoch, At = T0, States = [new GrainStateChange(Alice, "account", "{\"units\":5}", 0)], Absorbed = [absorbed],
        });

        Assert.Equal([1L], Assert.IsType<CommitOutcome.Committed>(outcome).StateVersions);
        Assert.Empty(await db.Inbox.ForRecipientAsync("account:alice"));
        Assert.Single(await db.Inbox.ForRecipientAsync("account:bob"));
        // The journal was written at credit time and stays: ledger = state (5) + inbox (0).
        Assert.Equal(new BigInteger(5), await db.Ledger.BalanceAsync("account:alice", Chain, "USDC"));

        // A writer that did not see the first absorption cannot take the row twice, whatever its state version.
        await Assert.ThrowsAsync<InconsistentStateException>(() => db.UnitOfWork.CommitAsync(new DurableCommit
        {
            Epoch = db.Epoch, At = T0, States = [new GrainStateChange(Alice, "account", "{\"units\":10}", 1)], Absorbed = [absorbed],
        }));
        Assert.Equal(new GrainStateRecord(1, "{\"units\":5}"), await new SqlGrainStorage(db.Database).ReadAsync(Alice, "account", default));
    }

    [Fact]
    public async Task Another_recipients_row_cannot_be_absorbed()
    {
        var db = await StartAsync();
        await db.UnitOfWork.CommitAsync(Batch(db, null, 5, Deposit("0x02", "account:bob", 4)));

        await Assert.ThrowsAsync<InconsistentStateException>(() => db.UnitOfWork.CommitAsync(new DurableCommit
        {
            Epoch = db.Epoch, At = T0, States = [new GrainStateChange(Alice, "account", "{}", 0)], Absorbed = [new AbsorbedCredit("credit:evm-1:0x02:0", "account:alice")],
        }));

        Assert.Single(await db.Inbox.ForRecipientAsync("account:bob"));
        Assert.Equal(GrainStateRecord.Missing, await new SqlGrainStorage(db.Database).ReadAsync(Alice, "account", default));
    }

    public static TheoryData<string, InboxDeposit> MalformedDeposits => new()
    {
        { "row and journal disagree on the amount", Deposit("0x01", "account:alice", 5) with { Credit = Deposit("0x01", "account:alice", 6).Credit } },
        { "journal transaction is not the credit key", Deposit("0x01", "account:alice", 5) with { Journal = Deposit("0x09", "account:alice", 5).Journal } },
        { "zero amount", Deposit("0x01", "account:alice", 5) with { Credit = Deposit("0x01", "account:alice", 5).Credit with { Amount = 0 } } },
    };

    [Theory]
    [MemberData(nameof(MalformedDeposits))]
    public async Task A_malformed_inbox_credit_is_refused_before_the_database_is_touched(string because, InboxDeposit deposit)
    {
        var db = await StartAsync();

        await Assert.ThrowsAnyAsync<ArgumentException>(() => db.UnitOfWork.CommitAsync(Batch(db, null, 5, deposit)));

        Assert.True(await db.CountAsync("idempotency_key") == 0, because);
        Assert.Null(await new CursorStore(db.Database).GetAsync(Chain));
    }

    [Fact]
    public async Task Absorbing_without_the_recipients_state_is_refused()
    {
        var db = await StartAsync();
        await db.UnitOfWork.CommitAsync(Batch(db, null, 5, Deposit("0x01", "account:alice", 5)));

        await Assert.ThrowsAsync<ArgumentException>(() => db.UnitOfWork.CommitAsync(new DurableCommit
        {
            Epoch = db.Epoch, At = T0, Absorbed = [new AbsorbedCredit("credit:evm-1:0x01:0", "account:alice")],
        }));

        Assert.Single(await db.Inbox.ForRecipientAsync("account:alice"));
    }

    [Fact]
    public async Task A_deposed_hosts_batch_writes_nothing()
    {
        var db = await StartAsync();

        await Assert.ThrowsAsync<FencedWriteException>(() => db.UnitOfWork.CommitAsync(Batch(db, null, 5, Deposit("0x01", "account:alice", 5)) with { Epoch = db.Epoch + 1 }));

        Assert.Equal(0, await db.CountAsync("account_inbox"));
        Assert.Equal(0, await db.CountAsync("idempotency_key"));
    }
}

public sealed class SqliteInboxStoreTests : InboxStoreTests, IAsyncLifetime
{
    private readonly SqliteDatabases databases = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => databases.DisposeAsync().AsTask();

    protected override Task<ClearingDatabase> CreateDatabaseAsync() => databases.CreateAsync();

    protected override string PoisonTriggerSql => """
        CREATE TRIGGER inbox_poison BEFORE INSERT ON account_inbox WHEN NEW.tx_id = 'poison'
        BEGIN SELECT RAISE(ABORT, 'injected failure before COMMIT'); END;
        """;
}

[Trait("RealComponent", "true")]
[Collection(PostgresCollection.Name)]
public sealed class PostgresInboxStoreTests(PostgresFixture postgres) : InboxStoreTests
{
    protected override Task<ClearingDatabase> CreateDatabaseAsync() => PostgresCollection.CreateAsync(postgres);

    protected override string PoisonTriggerSql => """
        CREATE FUNCTION inbox_poison() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.tx_id = 'poison' THEN RAISE EXCEPTION 'injected failure before COMMIT'; END IF;
            RETURN NEW;
        END
        $$;
        CREATE TRIGGER inbox_poison BEFORE INSERT ON account_inbox FOR EACH ROW EXECUTE FUNCTION inbox_poison();
        """;
}
