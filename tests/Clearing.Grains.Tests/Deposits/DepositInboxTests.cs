using System.Numerics;
using Clearing.Actors.Testing;
using Clearing.Chains;
using Clearing.Grains.Accounts;
using Clearing.Grains.Deposits;
using Clearing.Grains.Durable;
using Clearing.Persistence;
using Clearing.Persistence.Cursors;
using Clearing.Persistence.Inbox;
using Clearing.Persistence.Ledger;
using Clearing.Persistence.UnitOfWork;
using Clearing.TestKit;
using ChainCursor = Clearing.Chains.ChainCursor;
using static Clearing.Grains.Tests.Deposits.DepositTestData;

namespace Clearing.Grains.Tests.Deposits;

/// <summary>
/// Issue 5's "cursor and credits move in one transaction", literally: a finalized batch is one database transaction
/// (cursor, keys, journal, inbox rows, suspense holds); the accounts absorb their inbox rows into their own state; a
/// crash between the two loses nothing and credits nothing twice. Written once, run on SQLite and PostgreSQL.
/// </summary>
public abstract class DepositInboxTests : DatabaseTests
{
    private const string Chain = TestRisk.Chain;

    private static Task<long> CountAsync(ClearingDatabase database, string table) => database.ReadAsync(async connection =>
    {
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT COUNT(*) FROM {table}";
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    });

    private static Task ExecuteAsync(ClearingDatabase database, string sql) => database.ReadAsync(async connection =>
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteNonQueryAsync();
    });

    /// <summary>Makes the insert of the inbox row of transaction <c>poison</c> fail: everything before it in the batch's transaction is written, COMMIT is never reached.</summary>
    private static Task PoisonAsync(ClearingDatabase database) => ExecuteAsync(database, database.Dialect == SqlDialect.Sqlite
        ? "CREATE TRIGGER inbox_poison BEFORE INSERT ON account_inbox WHEN NEW.tx_id = 'poison' BEGIN SELECT RAISE(ABORT, 'injected failure before COMMIT'); END;"
        : """
          CREATE FUNCTION inbox_poison() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN
              IF NEW.tx_id = 'poison' THEN RAISE EXCEPTION 'injected failure before COMMIT'; END IF;
              RETURN NEW;
          END
          $$;
          CREATE TRIGGER inbox_poison BEFORE INSERT ON account_inbox FOR EACH ROW EXECUTE FUNCTION inbox_poison();
          """);

    [Fact]
    public async Task A_failure_after_the_journal_and_inbox_writes_and_before_commit_leaves_nothing_of_the_batch()
    {
        var database = await Databases.CreateAsync();
        await using var host = await GrainTestHost.StartAsync(database);
        await host.Sink.CommitFinalizedAsync(Chain, new ChainCursor(4, "0xblock4"), [], default);
        await PoisonAsync(database);
        // Order inside the transaction: cursor, then per deposit key → journal → inbox row; the poisoned row is last.
        ObservedDeposit[] batch = [Observed("0x01", "alice", Usd(5)), Observed("0x02", null, 77, suspenseReason: "no account"), Observed("poison", "bob", Usd(3))];

        await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => host.Sink.CommitFinalizedAsync(Chain, new ChainCursor(9, "0xblock9"), batch, default));

        Assert.Equal(new ChainCursor(4, "0xblock4"), await host.Sink.ReadCursorAsync(Chain, default));
        Assert.Equal(0, await CountAsync(database, "idempotency_key"));
        Assert.Equal(0, await CountAsync(database, "ledger_entry"));
        Assert.Equal(0, await CountAsync(database, "account_inbox"));
        Assert.Empty((await host.Account("alice").GetSnapshotAsync()).Balances);
        Assert.Empty(await host.Suspense().GetHeldAsync());

        // The watcher reads the range again once the fault is gone: each deposit credited once.
        await ExecuteAsync(database, "DROP TRIGGER inbox_poison" + (database.Dialect == SqlDialect.Sqlite ? "" : " ON account_inbox"));
        var again = await host.Grains.GetGrain<IChainDepositsGrain>(Chain).CommitFinalizedAsync(new FinalizedBatch(new ChainCursor(9, "0xblock9"), batch));
        Assert.Equal(new FinalizedBatchResult(2, 1, 0, 0, new ChainCursor(9, "0xblock9")), again);
        Assert.Equal(3, await CountAsync(database, "idempotency_key"));
    }

    [Fact]
    public async Task Killed_between_the_batch_commit_and_the_absorption_the_balance_is_right_after_restart_and_credited_once()
    {
        var database = await Databases.CreateAsync();
        var deadClock = new FakeClock();
        var dead = await GrainTestHost.StartAsync(database, "host-1", deadClock);
        ObservedDeposit[] batch = [Observed("0x01", "alice", Usd(50)), Observed("0x02", "alice", Usd(7), index: 1), Observed("0x03", null, 99, suspenseReason: "no account")];
        // What host-1's chain grain commits, landing just before the process dies and so before any account is told.
        var plan = DepositBatch.Plan(Chain, new CursorAdvance(Chain, null, 5, "0xblock5"), batch, TestRisk.Configuration, deadClock.GetUtcNow());
        await new DurableUnitOfWork(database).CommitAsync(plan.Commit with { Epoch = dead.Host.Epoch!.Value });

        var before = await AccountBooks.ReadAsync(database, "alice");
        Assert.Empty(before.State);
        Assert.Equal(Usd(57), before.InboxUnits(Chain, "USDC"));
        before.AssertLedgerIsStatePlusInbox("committed, not absorbed");

        await using var successor = await GrainTestHost.StartAsync(database, "host-2", new FakeClock(deadClock.GetUtcNow() + TimeSpan.FromMinutes(5)));
        // The first command absorbs before it decides: the 57 USD are there for a withdrawal.
        var withdrawal = await successor.Account("alice").RequestWithdrawalAsync(new RequestWithdrawal("w-1", Chain, "USDC", TestRisk.Dollars(57), "0xdest"));
        Assert.True(withdrawal.Accepted, withdrawal.Reason);
        var after = await AccountBooks.ReadAsync(database, "alice");
        Assert.Empty(after.Inbox);
        after.AssertLedgerIsStatePlusInbox("absorbed");

        // The watcher of the new host reads from the stored cursor: the batch again is a replay that changes nothing.
        var keys = await CountAsync(database, "idempotency_key");
        var entries = await CountAsync(database, "ledger_entry");
        var replay = await successor.Grains.GetGrain<IChainDepositsGrain>(Chain).CommitFinalizedAsync(new FinalizedBatch(new ChainCursor(5, "0xblock5"), batch));
        Assert.Equal(new FinalizedBatchResult(0, 0, 3, 0, new ChainCursor(5, "0xblock5")), replay);
        Assert.Equal(keys, await CountAsync(database, "idempotency_key"));
        Assert.Equal(entries, await CountAsync(database, "ledger_entry"));
        Assert.All((await successor.Account("alice").GetSnapshotAsync()).Balances, b => Assert.Equal(Int128.Zero, b.Units));
        Assert.Equal(new BigInteger(99), Assert.Single(await successor.Suspense().GetHeldAsync()).Amount);
        Assert.Empty(await new LedgerStore(database).TrialBalanceAsync());
    }

    [Fact]
    public async Task A_committed_batch_nudges_its_accounts_and_also_those_a_crash_kept_from_being_told()
    {
        var database = await Databases.CreateAsync();
        await using var host = await GrainTestHost.StartAsync(database);
        // A batch whose nudge was lost: committed, bob not told.
        var lost = DepositBatch.Plan(Chain, new CursorAdvance(Chain, null, 5, "0xblock5"), [Observed("0x01", "bob", Usd(2))], TestRisk.Configuration, host.Clock.GetUtcNow());
        await new DurableUnitOfWork(database).CommitAsync(lost.Commit with { Epoch = host.Host.Epoch!.Value });

        await host.Sink.CommitFinalizedAsync(Chain, new ChainCursor(9, "0xblock9"), [Observed("0x02", "alice", Usd(4), height: 8)], default);

        // Both absorbed without any command of theirs: the state documents hold the credits, the inbox is empty.
        Assert.Equal(0, await CountAsync(database, "account_inbox"));
        foreach (var (account, units) in new[] { ("alice", Usd(4)), ("bob", Usd(2)) })
        {
            var books = await AccountBooks.ReadAsync(database, account);
            Assert.Equal(units, books.State[(Chain, "USDC")]);
            books.AssertLedgerIsStatePlusInbox(account);
        }
    }

    [Fact]
    public async Task Suspense_holds_commit_in_the_batch_transaction_and_reach_the_suspense_grain()
    {
        var database = await Databases.CreateAsync();
        await using var host = await GrainTestHost.StartAsync(database);
        var stray = Observed("0x03", "not a valid id!", 1234, asset: "USDC");

        await host.Sink.CommitFinalizedAsync(Chain, new ChainCursor(5, "0xblock5"), [Observed("0x01", "alice", Usd(1)), stray], default);

        // One transaction: the hold's key and journal went in with the account's credit and the cursor.
        var held = Assert.Single(await host.Suspense().GetHeldAsync());
        Assert.Equal(new SuspendedDeposit(stray.Key, "USDC", "0xtoken", 1234, "0xdepositor", "'not a valid id!' is not a valid account id", "not a valid id!", host.Clock.GetUtcNow()), held);
        Assert.Equal(new BigInteger(1234), await new LedgerStore(database).BalanceAsync(LedgerAccounts.Suspense(Chain), Chain, "USDC"));
        Assert.Empty(await new AccountInboxStore(database).ForRecipientAsync(LedgerAccounts.Suspense(Chain)));
        // Held once: asking the suspense grain directly to hold it again is answered from the batch's stored result.
        var direct = await host.Suspense().HoldAsync(new HoldInSuspense(stray.Key, "USDC", "0xtoken", 1234, "0xdepositor", "again", null));
        Assert.True(direct.Replayed);
        Assert.Single(await host.Suspense().GetHeldAsync());
    }

    [Fact]
    public async Task A_deposit_credited_by_a_batch_is_not_credited_again_directly_to_any_account()
    {
        var database = await Databases.CreateAsync();
        await using var host = await GrainTestHost.StartAsync(database);
        var deposit = Observed("0x01", "alice", Usd(9));
        await host.Sink.CommitFinalizedAsync(Chain, new ChainCursor(5, "0xblock5"), [deposit], default);

        var direct = await host.Account("bob").CreditDepositAsync(new CreditDeposit(deposit.Key, "USDC", TestRisk.Dollars(9), 5, "0xblock5", "0xdepositor"));

        Assert.Equal(new CreditResult(deposit.Key, LedgerAccounts.Margin("alice"), Usd(9), Replayed: true), direct);
        Assert.Empty((await host.Account("bob").GetSnapshotAsync()).Balances);
        Assert.Equal(TestRisk.Dollars(9), Assert.Single((await host.Account("alice").GetSnapshotAsync()).Balances).Units);
    }

    [Fact]
    public async Task A_deposit_listed_twice_in_one_batch_is_credited_once_and_counted_once_as_credited_before()
    {
        var database = await Databases.CreateAsync();
        await using var host = await GrainTestHost.StartAsync(database);
        var deposit = Observed("0x01", "alice", Usd(4));

        var result = await host.Grains.GetGrain<IChainDepositsGrain>(Chain).CommitFinalizedAsync(new FinalizedBatch(new ChainCursor(5, "0xblock5"), [deposit, deposit]));

        Assert.Equal(new FinalizedBatchResult(1, 0, 1, 0, new ChainCursor(5, "0xblock5")), result);
        Assert.Equal(TestRisk.Dollars(4), Assert.Single((await host.Account("alice").GetSnapshotAsync()).Balances).Units);
    }

    [Fact]
    public async Task A_pending_deposit_leaves_the_pending_set_when_its_credit_is_absorbed()
    {
        var database = await Databases.CreateAsync();
        await using var host = await GrainTestHost.StartAsync(database);
        var deposit = Observed("0x01", "alice", Usd(3), height: 12);
        await host.Sink.ReplacePendingAsync(Chain, [deposit], default);
        var plan = DepositBatch.Plan(Chain, new CursorAdvance(Chain, null, 12, "0xblock12"), [deposit], TestRisk.Configuration, host.Clock.GetUtcNow());
        await new DurableUnitOfWork(database).CommitAsync(plan.Commit with { Epoch = host.Host.Epoch!.Value });

        var snapshot = await host.Account("alice").GetSnapshotAsync();

        Assert.Empty(snapshot.Pending);
        Assert.Equal(TestRisk.Dollars(3), Assert.Single(snapshot.Balances).Units);
        await MarginAccountGrainTests.AssertLedgerMatchesAsync(database, snapshot);
    }
}

public sealed class SqliteDepositInboxTests : DepositInboxTests
{
    protected override ITestDatabases Databases { get; } = new SqliteTestDatabases();
}

[Trait("RealComponent", "true")]
[Collection(PostgresCollection.Name)]
public sealed class PostgresDepositInboxTests(PostgresFixture postgres) : DepositInboxTests
{
    protected override ITestDatabases Databases { get; } = new PostgresTestDatabases(postgres);
}
