using System.Data.Common;
using System.Numerics;
using Clearing.Actors;
using Clearing.Actors.Storage;
using Clearing.Actors.Testing;
using Clearing.Persistence.ActorStorage;
using Clearing.Persistence.Cursors;
using Clearing.Persistence.Idempotency;
using Clearing.Persistence.Ledger;
using Clearing.Persistence.Migrations;
using Clearing.Persistence.Outbox;
using Clearing.Persistence.UnitOfWork;

namespace Clearing.Persistence.Tests.Stores;

/// <summary>
/// Ledger, idempotency, outbox, cursors, the unit of work and migrations, written once and run against SQLite and
/// PostgreSQL. Every "refused" test also checks that nothing at all was written.
/// </summary>
public abstract class StoreTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly GrainId Account = new("margin-account", "acct-1");
    private static readonly BigInteger MaxUint256 = BigInteger.Pow(2, 256) - 1;

    protected abstract Task<ClearingDatabase> CreateDatabaseAsync(bool migrate = true);

    private sealed record Db(ClearingDatabase Database, long Epoch)
    {
        public LedgerStore Ledger { get; } = new(Database);

        public OutboxStore Outbox { get; } = new(Database);

        public CursorStore Cursors { get; } = new(Database);

        public IdempotencyStore Keys { get; } = new(Database);

        public DurableUnitOfWork UnitOfWork { get; } = new(Database);

        public SqlGrainStorage Grains { get; } = new(Database);

        /// <summary>A journal transaction on its own, through the one write path the ledger has.</summary>
        public Task<CommitOutcome> AppendAsync(JournalTransaction transaction) =>
            UnitOfWork.CommitAsync(new DurableCommit { Epoch = Epoch, At = T0, Journal = [transaction] });

        public Task<long> CountAsync(string table) => Database.CountRowsAsync(table);

        public Task<int> ExecuteRawAsync(string sql) => Database.ExecuteRawAsync(sql);
    }

    private async Task<Db> StartAsync()
    {
        var database = await CreateDatabaseAsync();
        var grant = await new SqlHostLease(database).TryAcquireAsync("host-a", T0, TimeSpan.FromSeconds(30), default);
        return new Db(database, grant!.Epoch);
    }

    private static JournalTransaction Deposit(string id, string account, BigInteger amount, string chain = "evm-1", string asset = "USDC") =>
        new(id, T0, [new JournalEntry(account, chain, asset, amount, "deposit"), new JournalEntry($"vault:{chain}", chain, asset, -amount, "deposit")]);

    // ---- migrations ----

    [Fact]
    public async Task Migrating_twice_applies_every_script_once_and_then_nothing()
    {
        var database = await CreateDatabaseAsync(migrate: false);
        var migrator = new SchemaMigrator(database, new FakeClock());
        var scripts = MigrationScript.For(database.Dialect);

        var first = await migrator.MigrateAsync();
        var second = await migrator.MigrateAsync();

        Assert.Equal(scripts.Select(s => s.Version), first);
        Assert.Empty(second);
        Assert.Equal(scripts.Count, await new Db(database, 0).CountAsync("schema_migrations"));
        Assert.Equal(1, await new Db(database, 0).CountAsync("host_lease"));
    }

    [Fact]
    public async Task Hosts_migrating_one_database_at_once_apply_each_script_once()
    {
        var database = await CreateDatabaseAsync(migrate: false);

        var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => new SchemaMigrator(database, new FakeClock()).MigrateAsync())));

        Assert.Equal(MigrationScript.For(database.Dialect).Select(s => s.Version), Assert.Single(runs, applied => applied.Count > 0));
        Assert.Equal(MigrationScript.For(database.Dialect).Count, await new Db(database, 0).CountAsync("schema_migrations"));
    }

    [Fact]
    public async Task A_database_newer_than_the_code_is_refused()
    {
        var database = await CreateDatabaseAsync();
        var known = MigrationScript.For(database.Dialect).Count;
        await new Db(database, 0).ExecuteRawAsync($"INSERT INTO schema_migrations (version, name, checksum, applied_at_ms) VALUES ({known + 1}, 'future', 'x', 0)");

        var refused = await Assert.ThrowsAsync<SchemaTooNewException>(() => new SchemaMigrator(database, new FakeClock()).MigrateAsync());

        Assert.Equal(known + 1, refused.DatabaseVersion);
        Assert.Equal(known, refused.CodeVersion);
    }

    [Fact]
    public async Task An_applied_script_edited_afterwards_is_refused()
    {
        var database = await CreateDatabaseAsync();
        await new Db(database, 0).ExecuteRawAsync("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1");

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => new SchemaMigrator(database, new FakeClock()).MigrateAsync());

        Assert.Contains("different text", refused.Message, StringComparison.Ordinal);
    }

    // ---- ledger ----

    [Fact]
    public async Task Balances_are_the_sums_of_journal_entries_exact_beyond_64_bits()
    {
        var db = await StartAsync();
        await db.AppendAsync(Deposit("t1", "acct-1", MaxUint256));
        await db.AppendAsync(Deposit("t2", "acct-1", MaxUint256));
        await db.AppendAsync(Deposit("t3", "acct-1", 5, chain: "solana"));

        Assert.Equal(2 * MaxUint256, await db.Ledger.BalanceAsync("acct-1", "evm-1", "USDC"));
        Assert.Equal(-2 * MaxUint256, await db.Ledger.BalanceAsync("vault:evm-1", "evm-1", "USDC"));
        Assert.Equal(new BigInteger(5), await db.Ledger.BalanceAsync("acct-1", "solana", "USDC"));
        Assert.Equal(BigInteger.Zero, await db.Ledger.BalanceAsync("acct-1", "evm-1", "WETH"));
        Assert.Empty(await db.Ledger.TrialBalanceAsync());
        var all = await db.Ledger.AllBalancesAsync();
        Assert.All(all.GroupBy(b => (b.Chain, b.Asset)), g => Assert.Equal(BigInteger.Zero, g.Aggregate(BigInteger.Zero, (s, b) => s + b.Amount)));
        var stored = await db.Ledger.EntriesAsync("t1");
        Assert.Equal(Deposit("t1", "acct-1", MaxUint256).Entries, stored.Select(e => e.Entry));
        Assert.All(stored, e => Assert.Equal(T0, e.CreatedAt));
    }

    public static TheoryData<string, JournalEntry[]> UnbalancedTransactions => new()
    {
        { "one side short", [new("a", "evm-1", "USDC", 100, "deposit"), new("vault", "evm-1", "USDC", -99, "deposit")] },
        { "same symbol on two chains", [new("a", "evm-1", "USDC", 100, "move"), new("a", "solana", "USDC", -100, "move")] },
        { "two assets crossed", [new("a", "evm-1", "USDC", 100, "swap"), new("b", "evm-1", "WETH", -100, "swap")] },
        { "balanced asset plus an unbalanced one", [new("a", "evm-1", "USDC", 7, "x"), new("b", "evm-1", "USDC", -7, "x"), new("a", "evm-1", "WETH", 1, "x"), new("b", "evm-1", "WETH", -2, "x")] },
    };

    [Theory]
    [MemberData(nameof(UnbalancedTransactions))]
    public async Task An_unbalanced_journal_transaction_is_refused_and_nothing_is_written(string because, JournalEntry[] entries)
    {
        var db = await StartAsync();

        var refused = await Assert.ThrowsAsync<UnbalancedJournalException>(() => db.AppendAsync(new JournalTransaction("t1", T0, entries)));

        Assert.NotEmpty(refused.Imbalances);
        Assert.True(await db.CountAsync("ledger_entry") == 0, because);
        Assert.Equal(0, await db.CountAsync("ledger_transaction"));
    }

    [Fact]
    public async Task Malformed_journal_lines_are_refused()
    {
        var db = await StartAsync();
        var tooBig = LedgerAmount.ExclusiveBound;

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => db.AppendAsync(new JournalTransaction("t1", T0,
            [new("a", "evm-1", "USDC", tooBig, "x"), new("b", "evm-1", "USDC", -tooBig, "x")])));
        await Assert.ThrowsAsync<ArgumentException>(() => db.AppendAsync(new JournalTransaction("t2", T0,
            [new("a", "evm-1", "USDC", 0, "x"), new("b", "evm-1", "USDC", 0, "x")])));
        await Assert.ThrowsAsync<ArgumentException>(() => db.AppendAsync(new JournalTransaction("t3", T0, [new("a", "evm-1", "USDC", 1, "x")])));

        Assert.Equal(0, await db.CountAsync("ledger_entry"));
    }

    [Fact]
    public async Task The_largest_ledger_amount_round_trips()
    {
        var db = await StartAsync();
        var largest = LedgerAmount.ExclusiveBound - 1;

        await db.AppendAsync(Deposit("t1", "acct-1", largest));

        Assert.Equal(largest, await db.Ledger.BalanceAsync("acct-1", "evm-1", "USDC"));
        Assert.Equal(-largest, await db.Ledger.BalanceAsync("vault:evm-1", "evm-1", "USDC"));
    }

    [Fact]
    public async Task A_second_journal_transaction_with_the_same_id_is_refused()
    {
        var db = await StartAsync();
        await db.AppendAsync(Deposit("t1", "acct-1", 10));

        await Assert.ThrowsAnyAsync<DbException>(() => db.AppendAsync(Deposit("t1", "acct-1", 10)));

        Assert.Equal(new BigInteger(10), await db.Ledger.BalanceAsync("acct-1", "evm-1", "USDC"));
    }

    [Theory]
    [InlineData("UPDATE ledger_entry SET amount = '1'")]
    [InlineData("DELETE FROM ledger_entry")]
    [InlineData("UPDATE ledger_transaction SET created_at_ms = 0")]
    [InlineData("DELETE FROM ledger_transaction")]
    public async Task The_journal_is_append_only_even_to_raw_sql(string change)
    {
        var db = await StartAsync();
        await db.AppendAsync(Deposit("t1", "acct-1", 10));

        var refused = await Assert.ThrowsAnyAsync<DbException>(() => db.ExecuteRawAsync(change));

        Assert.Contains("append-only", refused.Message, StringComparison.Ordinal);
        Assert.Equal(new BigInteger(10), await db.Ledger.BalanceAsync("acct-1", "evm-1", "USDC"));
    }

    [Fact]
    public async Task The_trial_balance_finds_an_entry_written_behind_the_ledgers_back()
    {
        var db = await StartAsync();
        await db.AppendAsync(Deposit("t1", "acct-1", 10));
        await db.ExecuteRawAsync("INSERT INTO ledger_transaction (transaction_id, created_at_ms) VALUES ('rogue', 0)");
        await db.ExecuteRawAsync("INSERT INTO ledger_entry (transaction_id, account, chain, asset, amount, kind, created_at_ms) VALUES ('rogue', 'acct-1', 'evm-1', 'USDC', '3', 'x', 0)");

        var imbalance = Assert.Single(await db.Ledger.TrialBalanceAsync());

        Assert.Equal(new Imbalance("rogue", "evm-1", "USDC", 3), imbalance);
    }

    // ---- unit of work ----

    private DurableCommit CreditCommit(Db db, string key, long expectedVersion, string suffix) => new()
    {
        Epoch = db.Epoch,
        At = T0,
        Idempotency = new IdempotencyRecord(key, $"{{\"credited\":\"{suffix}\"}}"),
        States = [new GrainStateChange(Account, "state", $"{{\"after\":\"{suffix}\"}}", expectedVersion)],
        Journal = [Deposit($"journal-{suffix}", Account.Key, 100)],
        Outbox = [new PlannedAction($"decision-{suffix}", "evm-1", "withdrawal", "{}")],
        Cursor = new CursorAdvance($"cursor-{suffix}", null, 10, "0xhash"),
    };

    private static async Task AssertNothingOf(Db db, string suffix)
    {
        Assert.Empty(await db.Ledger.EntriesAsync($"journal-{suffix}"));
        Assert.Null(await db.Outbox.FindByDecisionAsync($"decision-{suffix}"));
        Assert.Null(await db.Cursors.GetAsync($"cursor-{suffix}"));
    }

    [Fact]
    public async Task A_unit_of_work_writes_state_journal_key_outbox_and_cursor_together()
    {
        var db = await StartAsync();

        var outcome = await db.UnitOfWork.CommitAsync(CreditCommit(db, "credit:1", 0, "a"));

        var committed = Assert.IsType<CommitOutcome.Committed>(outcome);
        Assert.Equal([1L], committed.StateVersions);
        Assert.Equal(new GrainStateRecord(1, "{\"after\":\"a\"}"), await db.Grains.ReadAsync(Account, "state", default));
        Assert.Equal(2, (await db.Ledger.EntriesAsync("journal-a")).Count);
        Assert.Equal("{\"credited\":\"a\"}", await db.Keys.FindResultAsync("credit:1"));
        var action = await db.Outbox.FindByDecisionAsync("decision-a");
        Assert.Equal(committed.OutboxActionIds.Single(), action!.ActionId);
        Assert.Equal(OutboxState.Planned, action.State);
        Assert.Equal(new ChainCursor("cursor-a", 10, "0xhash", T0), await db.Cursors.GetAsync("cursor-a"));
    }

    private sealed class CountingState(GrainId grainId) : IStateCommitParticipant
    {
        public int Counter { get; set; }

        public GrainId GrainId { get; } = grainId;

        public string StateName => "state";

        public long Etag { get; private set; }

        public string SerializeState() => $"{{\"counter\":{Counter}}}";

        public void Committed(long newVersion) => Etag = newVersion;
    }

    [Fact]
    public async Task A_grains_persistent_state_commits_through_the_unit_of_work_at_its_etag()
    {
        var db = await StartAsync();
        var state = new CountingState(Account);

        for (var i = 1; i <= 3; i++)
        {
            state.Counter = i;
            var outcome = await db.UnitOfWork.CommitAsync(new DurableCommit { Epoch = db.Epoch, At = T0, States = [GrainStateChange.Of(state)] });
            state.Committed(Assert.IsType<CommitOutcome.Committed>(outcome).StateVersions.Single());
        }

        Assert.Equal(3, state.Etag);
        Assert.Equal(new GrainStateRecord(3, "{\"counter\":3}"), await db.Grains.ReadAsync(Account, "state", default));
    }

    [Fact]
    public async Task A_duplicate_idempotency_key_rolls_the_whole_unit_back_and_returns_the_stored_result()
    {
        var db = await StartAsync();
        await db.UnitOfWork.CommitAsync(CreditCommit(db, "credit:1", 0, "a"));

        var outcome = await db.UnitOfWork.CommitAsync(CreditCommit(db, "credit:1", 1, "b"));

        Assert.Equal(new CommitOutcome.AlreadyApplied("{\"credited\":\"a\"}"), outcome);
        Assert.Equal(new GrainStateRecord(1, "{\"after\":\"a\"}"), await db.Grains.ReadAsync(Account, "state", default));
        await AssertNothingOf(db, "b");
        Assert.Equal(new BigInteger(100), await db.Ledger.BalanceAsync(Account.Key, "evm-1", "USDC"));
    }

    [Fact]
    public async Task A_stale_state_version_rolls_the_whole_unit_back()
    {
        var db = await StartAsync();
        await db.UnitOfWork.CommitAsync(CreditCommit(db, "credit:1", 0, "a"));

        await Assert.ThrowsAsync<InconsistentStateException>(() => db.UnitOfWork.CommitAsync(CreditCommit(db, "credit:2", 0, "b")));

        await AssertNothingOf(db, "b");
        Assert.Null(await db.Keys.FindResultAsync("credit:2"));
        Assert.Equal(new GrainStateRecord(1, "{\"after\":\"a\"}"), await db.Grains.ReadAsync(Account, "state", default));
    }

    [Fact]
    public async Task A_deposed_hosts_unit_of_work_writes_nothing()
    {
        var db = await StartAsync();
        var takeover = await new SqlHostLease(db.Database).TryAcquireAsync("host-b", T0.AddMinutes(1), TimeSpan.FromSeconds(30), default);

        var fenced = await Assert.ThrowsAsync<FencedWriteException>(() => db.UnitOfWork.CommitAsync(CreditCommit(db, "credit:1", 0, "a")));

        Assert.Equal(takeover!.Epoch, fenced.CurrentEpoch);
        await AssertNothingOf(db, "a");
        Assert.Null(await db.Keys.FindResultAsync("credit:1"));
        Assert.Equal(GrainStateRecord.Missing, await db.Grains.ReadAsync(Account, "state", default));
    }

    [Fact]
    public async Task An_unbalanced_journal_in_a_unit_of_work_writes_nothing()
    {
        var db = await StartAsync();
        var commit = CreditCommit(db, "credit:1", 0, "a") with
        {
            Journal = [new JournalTransaction("journal-a", T0, [new("a", "evm-1", "USDC", 100, "x"), new("b", "evm-1", "USDC", -1, "x")])],
        };

        await Assert.ThrowsAsync<UnbalancedJournalException>(() => db.UnitOfWork.CommitAsync(commit));

        await AssertNothingOf(db, "a");
        Assert.Null(await db.Keys.FindResultAsync("credit:1"));
        Assert.Equal(GrainStateRecord.Missing, await db.Grains.ReadAsync(Account, "state", default));
    }

    [Fact]
    public async Task A_cursor_moved_by_someone_else_rolls_back_the_credits_that_came_with_it()
    {
        var db = await StartAsync();
        await db.Cursors.AdvanceAsync(new CursorAdvance("cursor-a", null, 20, "0xother"), db.Epoch, T0);

        await Assert.ThrowsAsync<CursorConflictException>(() => db.UnitOfWork.CommitAsync(CreditCommit(db, "credit:1", 0, "a")));

        Assert.Empty(await db.Ledger.EntriesAsync("journal-a"));
        Assert.Null(await db.Keys.FindResultAsync("credit:1"));
        Assert.Equal(20, (await db.Cursors.GetAsync("cursor-a"))!.Position);
    }

    [Fact]
    public async Task A_decision_already_in_the_outbox_rolls_the_unit_back()
    {
        var db = await StartAsync();
        await db.Outbox.PlanAsync(new PlannedAction("decision-a", "evm-1", "withdrawal", "{}"), db.Epoch, T0);

        await Assert.ThrowsAsync<DuplicateDecisionException>(() => db.UnitOfWork.CommitAsync(CreditCommit(db, "credit:1", 0, "a")));

        Assert.Empty(await db.Ledger.EntriesAsync("journal-a"));
        Assert.Null(await db.Keys.FindResultAsync("credit:1"));
        Assert.Equal(1, await db.CountAsync("outbox_action"));
    }

    [Fact]
    public async Task Concurrent_commands_with_one_idempotency_key_apply_once()
    {
        const int retries = 6;
        var db = await StartAsync();
        // Each retry writes a different grain so that only the key can make them collide.
        var outcomes = await Task.WhenAll(Enumerable.Range(0, retries).Select(i => Task.Run(() => db.UnitOfWork.CommitAsync(new DurableCommit
        {
            Epoch = db.Epoch,
            At = T0,
            Idempotency = new IdempotencyRecord("credit:evm-1:0xabc:0", $"{{\"run\":{i}}}"),
            States = [new GrainStateChange(Account with { Key = $"acct-{i}" }, "state", "{}", 0)],
            Journal = [Deposit($"journal-{i}", $"acct-{i}", 100)],
        }))));

        var committed = Assert.Single(outcomes.Select((o, i) => (o, i)), x => x.o is CommitOutcome.Committed);
        Assert.All(outcomes.Where(o => o is not CommitOutcome.Committed),
            o => Assert.Equal(new CommitOutcome.AlreadyApplied($"{{\"run\":{committed.i}}}"), o));
        Assert.Equal(2, await db.CountAsync("ledger_entry"));
        Assert.Equal(1, await db.CountAsync("grain_state"));
        Assert.Empty(await db.Ledger.TrialBalanceAsync());
    }

    [Fact]
    public async Task A_batch_commits_each_good_command_and_rolls_back_only_the_refused_ones()
    {
        var db = await StartAsync();
        var other = Account with { Key = "acct-2" };
        DurableCommit[] batch =
        [
            CreditCommit(db, "credit:a", 0, "a"),
            CreditCommit(db, "credit:b", 0, "b"), // stale: a already wrote version 1
            CreditCommit(db, "credit:a", 1, "c"), // repeat of a's key
            CreditCommit(db, "credit:d", 1, "d") with { Outbox = [new PlannedAction("decision-a", "evm-1", "withdrawal", "{}")] },
            CreditCommit(db, "credit:e", 1, "e") with { Journal = [new JournalTransaction("journal-e", T0, [new("x", "evm-1", "USDC", 1, "x"), new("y", "evm-1", "USDC", -2, "x")])] },
            CreditCommit(db, "credit:f", 1, "f"), // sees a's version 1 inside the same transaction
            CreditCommit(db, "credit:g", 0, "g") with { States = [new GrainStateChange(other, "state", "{}", 0)] },
        ];

        var results = await db.UnitOfWork.CommitBatchAsync(batch, db.Epoch);

        Assert.Equal([1L], Assert.IsType<CommitOutcome.Committed>(results[0].Outcome).StateVersions);
        Assert.IsType<InconsistentStateException>(results[1].Refusal);
        Assert.Equal(new CommitOutcome.AlreadyApplied("{\"credited\":\"a\"}"), results[2].Outcome);
        Assert.IsType<DuplicateDecisionException>(results[3].Refusal);
        Assert.IsType<UnbalancedJournalException>(results[4].Refusal);
        Assert.Equal([2L], Assert.IsType<CommitOutcome.Committed>(results[5].Outcome).StateVersions);
        Assert.Equal([1L], Assert.IsType<CommitOutcome.Committed>(results[6].Outcome).StateVersions);
        foreach (var refused in new[] { "b", "c", "d", "e" })
        {
            await AssertNothingOf(db, refused);
        }

        Assert.Null(await db.Keys.FindResultAsync("credit:d"));
        Assert.Equal(new GrainStateRecord(2, "{\"after\":\"f\"}"), await db.Grains.ReadAsync(Account, "state", default));
        Assert.Equal(new BigInteger(300), await db.Ledger.BalanceAsync(Account.Key, "evm-1", "USDC"));
        Assert.Equal(3, await db.CountAsync("outbox_action"));
        Assert.Empty(await db.Ledger.TrialBalanceAsync());
    }

    [Fact]
    public async Task A_deposed_hosts_batch_writes_nothing()
    {
        var db = await StartAsync();
        await new SqlHostLease(db.Database).TryAcquireAsync("host-b", T0.AddMinutes(1), TimeSpan.FromSeconds(30), default);

        await Assert.ThrowsAsync<FencedWriteException>(() => db.UnitOfWork.CommitBatchAsync([CreditCommit(db, "credit:a", 0, "a")], db.Epoch));

        await AssertNothingOf(db, "a");
        Assert.Equal(0, await db.CountAsync("grain_state"));
    }

    // ---- outbox ----

    [Fact]
    public async Task An_action_moves_planned_signed_broadcast_confirmed_and_counts_attempts()
    {
        var db = await StartAsync();
        var id = await db.Outbox.PlanAsync(new PlannedAction("decision-1", "evm-1", "withdrawal", "{\"amount\":\"5\"}"), db.Epoch, T0);

        await db.Outbox.MarkSignedAsync(id, new OutboxSigning(Nonce: 42, LastValidBlockHeight: null, "0x02f8…", "0xtx"), db.Epoch, T0.AddSeconds(1));
        await db.Outbox.MarkBroadcastAsync(id, db.Epoch, T0.AddSeconds(2));
        await db.Outbox.MarkBroadcastAsync(id, db.Epoch, T0.AddSeconds(3)); // retry of the same bytes
        Assert.Equal([id], (await db.Outbox.OpenAsync("evm-1")).Select(a => a.ActionId));
        var confirmed = await db.Outbox.MarkConfirmedAsync(id, db.Epoch, T0.AddSeconds(4));

        Assert.Equal(confirmed, await db.Outbox.FindAsync(id));
        Assert.Equal(OutboxState.Confirmed, confirmed.State);
        Assert.Equal(2, confirmed.Attempts);
        Assert.Equal(42, confirmed.Nonce);
        Assert.Equal("0xtx", confirmed.TxId);
        Assert.Equal(T0, confirmed.CreatedAt);
        Assert.Equal(T0.AddSeconds(4), confirmed.UpdatedAt);
        Assert.Empty(await db.Outbox.OpenAsync("evm-1"));
    }

    [Fact]
    public async Task A_stuck_evm_action_is_rebound_to_a_replacement_with_the_same_nonce_and_keeps_its_attempts()
    {
        var db = await StartAsync();
        var id = await db.Outbox.PlanAsync(new PlannedAction("decision-1", "evm-1", "seizure", "{}"), db.Epoch, T0);
        await db.Outbox.MarkSignedAsync(id, new OutboxSigning(7, null, "0xfirst", "0xtx1"), db.Epoch, T0);
        await db.Outbox.MarkBroadcastAsync(id, db.Epoch, T0);

        var rebound = await db.Outbox.RebindAsync(id, "0xtx1", new OutboxSigning(7, null, "0xreplacement", "0xtx2"), db.Epoch, T0.AddSeconds(1));

        Assert.Equal((OutboxState.Signed, 7L, "0xreplacement", "0xtx2", 1), (rebound.State, rebound.Nonce!.Value, rebound.SignedTransaction, rebound.TxId, rebound.Attempts));
        Assert.Equal(rebound, await db.Outbox.FindAsync(id));
    }

    [Fact]
    public async Task A_rebind_to_another_nonce_is_refused_and_changes_nothing()
    {
        var db = await StartAsync();
        var id = await db.Outbox.PlanAsync(new PlannedAction("decision-1", "evm-1", "seizure", "{}"), db.Epoch, T0);
        var signed = await db.Outbox.MarkSignedAsync(id, new OutboxSigning(7, null, "0xfirst", "0xtx1"), db.Epoch, T0);

        await Assert.ThrowsAsync<IllegalOutboxTransitionException>(() => db.Outbox.RebindAsync(id, "0xtx1", new OutboxSigning(8, null, "0xother", "0xtx2"), db.Epoch, T0));

        Assert.Equal(signed, await db.Outbox.FindAsync(id));
    }

    [Fact]
    public async Task A_solana_action_is_rebound_only_to_a_higher_last_valid_block_height()
    {
        var db = await StartAsync();
        var id = await db.Outbox.PlanAsync(new PlannedAction("decision-1", "solana", "seizure", "{}"), db.Epoch, T0);
        var signed = await db.Outbox.MarkSignedAsync(id, new OutboxSigning(null, 100, "first", "sig1"), db.Epoch, T0);

        await Assert.ThrowsAsync<IllegalOutboxTransitionException>(() => db.Outbox.RebindAsync(id, "sig1", new OutboxSigning(null, 100, "second", "sig2"), db.Epoch, T0));
        Assert.Equal(signed, await db.Outbox.FindAsync(id));
        var rebound = await db.Outbox.RebindAsync(id, "sig1", new OutboxSigning(null, 250, "second", "sig2"), db.Epoch, T0);

        Assert.Equal((250L, "sig2"), (rebound.LastValidBlockHeight!.Value, rebound.TxId!));
    }

    [Fact]
    public async Task Of_two_executors_replacing_the_same_transaction_only_the_first_rebinds()
    {
        var db = await StartAsync();
        var id = await db.Outbox.PlanAsync(new PlannedAction("decision-1", "solana", "seizure", "{}"), db.Epoch, T0);
        await db.Outbox.MarkSignedAsync(id, new OutboxSigning(null, 100, "first", "sig1"), db.Epoch, T0);
        var first = await db.Outbox.RebindAsync(id, "sig1", new OutboxSigning(null, 250, "second", "sig2"), db.Epoch, T0);

        // The second executor also judged sig1 dead, but the action no longer holds it.
        await Assert.ThrowsAsync<IllegalOutboxTransitionException>(() => db.Outbox.RebindAsync(id, "sig1", new OutboxSigning(null, 260, "third", "sig3"), db.Epoch, T0));

        Assert.Equal(first, await db.Outbox.FindAsync(id));
    }

    [Fact]
    public async Task An_action_is_abandoned_only_while_planned()
    {
        var db = await StartAsync();
        var planned = await db.Outbox.PlanAsync(new PlannedAction("decision-1", "evm-1", "withdrawal", "{}"), db.Epoch, T0);
        var sent = await db.Outbox.PlanAsync(new PlannedAction("decision-2", "evm-1", "withdrawal", "{}"), db.Epoch, T0);
        var broadcast = await BringToAsync(db, sent, OutboxState.Broadcast);

        var abandoned = await db.Outbox.AbandonAsync(planned, "the vault would refuse it", db.Epoch, T0);
        await Assert.ThrowsAsync<IllegalOutboxTransitionException>(() => db.Outbox.AbandonAsync(sent, "stale view", db.Epoch, T0));

        Assert.Equal((OutboxState.Failed, "the vault would refuse it"), (abandoned.State, abandoned.FailureReason));
        Assert.Equal(broadcast, await db.Outbox.FindAsync(sent));
    }

    [Fact]
    public async Task Two_actions_of_one_chain_cannot_be_bound_to_the_same_nonce()
    {
        var db = await StartAsync();
        var first = await db.Outbox.PlanAsync(new PlannedAction("decision-1", "evm-1", "withdrawal", "{}"), db.Epoch, T0);
        var second = await db.Outbox.PlanAsync(new PlannedAction("decision-2", "evm-1", "withdrawal", "{}"), db.Epoch, T0);
        var otherChain = await db.Outbox.PlanAsync(new PlannedAction("decision-3", "evm-2", "withdrawal", "{}"), db.Epoch, T0);
        await db.Outbox.MarkSignedAsync(first, new OutboxSigning(5, null, "0xa", "0xtxa"), db.Epoch, T0);

        await Assert.ThrowsAsync<OutboxNonceTakenException>(() => db.Outbox.MarkSignedAsync(second, new OutboxSigning(5, null, "0xb", "0xtxb"), db.Epoch, T0));
        var elsewhere = await db.Outbox.MarkSignedAsync(otherChain, new OutboxSigning(5, null, "0xc", "0xtxc"), db.Epoch, T0);

        Assert.Equal(OutboxState.Planned, (await db.Outbox.FindAsync(second))!.State);
        Assert.Equal(OutboxState.Signed, elsewhere.State);
    }

    public static TheoryData<OutboxState, OutboxState> IllegalTransitions()
    {
        var data = new TheoryData<OutboxState, OutboxState>();
        foreach (var from in Enum.GetValues<OutboxState>())
        {
            foreach (var to in Enum.GetValues<OutboxState>().Where(to => to != OutboxState.Planned && !OutboxTransitions.IsLegal(from, to)))
            {
                data.Add(from, to);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(IllegalTransitions))]
    public async Task An_illegal_outbox_transition_is_refused_and_changes_nothing(OutboxState from, OutboxState to)
    {
        var db = await StartAsync();
        var id = await db.Outbox.PlanAsync(new PlannedAction("decision-1", "solana", "seizure", "{}"), db.Epoch, T0);
        var before = await BringToAsync(db, id, from);

        var refused = await Assert.ThrowsAsync<IllegalOutboxTransitionException>(() => MoveAsync(db, id, to));

        Assert.Equal(from, refused.From);
        Assert.Equal(before, await db.Outbox.FindAsync(id));
    }

    [Theory]
    [InlineData("planned", "confirmed")]
    [InlineData("confirmed", "broadcast")]
    [InlineData("failed", "planned")]
    public async Task The_database_refuses_illegal_outbox_transitions_from_raw_sql(string from, string to)
    {
        var db = await StartAsync();
        await db.ExecuteRawAsync($"INSERT INTO outbox_action (decision_id, chain, kind, payload_json, state, attempts, created_at_ms, updated_at_ms) VALUES ('d', 'evm-1', 'k', '{{}}', '{from}', 0, 0, 0)");

        await Assert.ThrowsAnyAsync<DbException>(() => db.ExecuteRawAsync($"UPDATE outbox_action SET state = '{to}'"));
    }

    [Fact]
    public async Task A_signed_actions_nonce_cannot_be_rebound()
    {
        var db = await StartAsync();
        var id = await db.Outbox.PlanAsync(new PlannedAction("decision-1", "evm-1", "withdrawal", "{}"), db.Epoch, T0);
        await db.Outbox.MarkSignedAsync(id, new OutboxSigning(7, null, "0xsigned", "0xtx"), db.Epoch, T0);

        await Assert.ThrowsAnyAsync<DbException>(() => db.ExecuteRawAsync("UPDATE outbox_action SET nonce = 8, state = 'broadcast'"));
        await Assert.ThrowsAsync<ArgumentException>(() => db.Outbox.MarkSignedAsync(id, new OutboxSigning(null, null, "0xsigned", "0xtx"), db.Epoch, T0));

        Assert.Equal(7, (await db.Outbox.FindAsync(id))!.Nonce);
    }

    [Fact]
    public async Task A_decision_gets_at_most_one_outbox_action()
    {
        var db = await StartAsync();
        await db.Outbox.PlanAsync(new PlannedAction("decision-1", "evm-1", "withdrawal", "{}"), db.Epoch, T0);

        var refused = await Assert.ThrowsAsync<DuplicateDecisionException>(() => db.Outbox.PlanAsync(new PlannedAction("decision-1", "solana", "withdrawal", "{}"), db.Epoch, T0));

        Assert.Equal("decision-1", refused.DecisionId);
        Assert.Equal(1, await db.CountAsync("outbox_action"));
    }

    [Fact]
    public async Task A_failed_action_keeps_its_reason_and_leaves_the_open_list()
    {
        var db = await StartAsync();
        var id = await db.Outbox.PlanAsync(new PlannedAction("decision-1", "solana", "seizure", "{}"), db.Epoch, T0);
        await db.Outbox.MarkSignedAsync(id, new OutboxSigning(null, 123_456, "base64tx", "5sig"), db.Epoch, T0);

        var failed = await db.Outbox.MarkFailedAsync(id, "blockhash expired at height 123456", db.Epoch, T0.AddMinutes(2));

        Assert.Equal(OutboxState.Failed, failed.State);
        Assert.Equal(123_456, failed.LastValidBlockHeight);
        Assert.Equal("blockhash expired at height 123456", (await db.Outbox.FindAsync(id))!.FailureReason);
        Assert.Empty(await db.Outbox.OpenAsync("solana"));
    }

    [Fact]
    public async Task A_deposed_host_can_neither_plan_nor_move_an_outbox_action()
    {
        var db = await StartAsync();
        var id = await db.Outbox.PlanAsync(new PlannedAction("decision-1", "evm-1", "withdrawal", "{}"), db.Epoch, T0);
        await new SqlHostLease(db.Database).TryAcquireAsync("host-b", T0.AddMinutes(1), TimeSpan.FromSeconds(30), default);

        await Assert.ThrowsAsync<FencedWriteException>(() => db.Outbox.MarkSignedAsync(id, new OutboxSigning(1, null, "0xsigned", "0xtx"), db.Epoch, T0));
        await Assert.ThrowsAsync<FencedWriteException>(() => db.Outbox.MarkFailedAsync(id, "deposed", db.Epoch, T0));
        await Assert.ThrowsAsync<FencedWriteException>(() => db.Outbox.PlanAsync(new PlannedAction("decision-2", "evm-1", "withdrawal", "{}"), db.Epoch, T0));

        Assert.Equal(OutboxState.Planned, (await db.Outbox.FindAsync(id))!.State);
        Assert.Equal(1, await db.CountAsync("outbox_action"));
    }

    // ---- cursors ----

    [Fact]
    public async Task A_deposed_host_cannot_move_a_cursor()
    {
        var db = await StartAsync();
        await db.Cursors.AdvanceAsync(new CursorAdvance("evm-1", null, 100, "0xa"), db.Epoch, T0);
        await new SqlHostLease(db.Database).TryAcquireAsync("host-b", T0.AddMinutes(1), TimeSpan.FromSeconds(30), default);

        await Assert.ThrowsAsync<FencedWriteException>(() => db.Cursors.AdvanceAsync(new CursorAdvance("evm-1", 100, 200, "0xb"), db.Epoch, T0));

        Assert.Equal(100, (await db.Cursors.GetAsync("evm-1"))!.Position);
    }

    [Fact]
    public async Task A_cursor_moves_only_forward_from_where_its_writer_read_it()
    {
        var db = await StartAsync();
        Assert.Null(await db.Cursors.GetAsync("evm-1"));

        await db.Cursors.AdvanceAsync(new CursorAdvance("evm-1", null, 100, "0xa"), db.Epoch, T0);
        await db.Cursors.AdvanceAsync(new CursorAdvance("evm-1", 100, 150, "0xb"), db.Epoch, T0.AddSeconds(12));
        var conflict = await Assert.ThrowsAsync<CursorConflictException>(() => db.Cursors.AdvanceAsync(new CursorAdvance("evm-1", 100, 160, "0xc"), db.Epoch, T0));
        await Assert.ThrowsAsync<CursorConflictException>(() => db.Cursors.AdvanceAsync(new CursorAdvance("evm-1", null, 1, "0xd"), db.Epoch, T0));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => db.Cursors.AdvanceAsync(new CursorAdvance("evm-1", 150, 149, "0xe"), db.Epoch, T0));

        Assert.Equal(150, conflict.StoredPosition);
        Assert.Equal(new ChainCursor("evm-1", 150, "0xb", T0.AddSeconds(12)), await db.Cursors.GetAsync("evm-1"));
    }

    private static async Task<OutboxAction> BringToAsync(Db db, long id, OutboxState state)
    {
        OutboxState[] path = state switch
        {
            OutboxState.Planned => [],
            OutboxState.Signed => [OutboxState.Signed],
            OutboxState.Broadcast => [OutboxState.Signed, OutboxState.Broadcast],
            OutboxState.Confirmed => [OutboxState.Signed, OutboxState.Broadcast, OutboxState.Confirmed],
            OutboxState.Failed => [OutboxState.Failed],
            _ => throw new ArgumentOutOfRangeException(nameof(state)),
        };
        foreach (var step in path)
        {
            await MoveAsync(db, id, step);
        }

        return (await db.Outbox.FindAsync(id))!;
    }

    private static Task<OutboxAction> MoveAsync(Db db, long id, OutboxState to) => to switch
    {
        OutboxState.Signed => db.Outbox.MarkSignedAsync(id, new OutboxSigning(1, null, "0xsigned", "0xtx"), db.Epoch, T0),
        OutboxState.Broadcast => db.Outbox.MarkBroadcastAsync(id, db.Epoch, T0),
        OutboxState.Confirmed => db.Outbox.MarkConfirmedAsync(id, db.Epoch, T0),
        OutboxState.Failed => db.Outbox.MarkFailedAsync(id, "test", db.Epoch, T0),
        _ => throw new ArgumentOutOfRangeException(nameof(to)),
    };
}
