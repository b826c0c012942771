using System.Data.Common;
using System.Numerics;
using Clearing.Actors;
using Clearing.Actors.Storage;
using Clearing.Persistence.ActorStorage;
using Clearing.Persistence.Idempotency;
using Clearing.Persistence.Ledger;
using Clearing.Persistence.Outbox;
using Clearing.Persistence.UnitOfWork;
using Clearing.TestKit;

namespace Clearing.Persistence.Tests.Stores;

/// <summary>
/// Group commit (<see cref="GroupCommitOptions"/>) on SQLite and PostgreSQL: concurrent <see cref="DurableUnitOfWork.CommitAsync"/>
/// calls share transactions, each caller gets exactly its own outcome, and nothing is ever half-written. To put chosen
/// commands into one batch deterministically, a test holds the database's write lock (the lease row on PostgreSQL,
/// the write lock on SQLite): the first command's batch waits on it, the next commands queue behind, and when the
/// lock is released they are written as the second batch.
/// </summary>
public abstract class GroupCommitTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    protected abstract Task<ClearingDatabase> CreateDatabaseAsync();

    /// <summary>Opens a transaction that every writer's fence waits for until it is disposed.</summary>
    protected abstract Task<IAsyncDisposable> HoldWriteLockAsync(ClearingDatabase database);

    /// <summary>SQL that makes any transaction holding a ledger entry of kind <c>fail-at-commit</c> fail at COMMIT (after every statement succeeded).</summary>
    protected abstract string FailAtCommitSql { get; }

    private sealed class Db(ClearingDatabase database, long epoch, GroupCommitOptions options)
    {
        public ClearingDatabase Database { get; } = database;

        public long Epoch { get; } = epoch;

        public DurableUnitOfWork UnitOfWork { get; } = new(database, options);

        public GroupCommitStatistics Statistics => UnitOfWork.GroupCommit!;

        public LedgerStore Ledger { get; } = new(database);

        public IdempotencyStore Keys { get; } = new(database);

        public SqlGrainStorage Grains { get; } = new(database);

        public OutboxStore Outbox { get; } = new(database);

        public Task<long> CountAsync(string table) => Database.CountRowsAsync(table);

        public Task ExecuteRawAsync(string sql) => Database.ExecuteRawAsync(sql);

        public Task WaitAsync(Func<GroupCommitStatistics, bool> condition, string what) =>
            Wait.UntilAsync(() => Task.FromResult(condition(Statistics)), Deadline, what, TimeSpan.FromMilliseconds(5));
    }

    private async Task<Db> StartAsync(GroupCommitOptions? options = null)
    {
        var database = await CreateDatabaseAsync();
        var grant = await new SqlHostLease(database).TryAcquireAsync("host-a", T0, TimeSpan.FromSeconds(30), default);
        return new Db(database, grant!.Epoch, options ?? new GroupCommitOptions());
    }

    private static GrainId Account(string name) => new("margin-account", name);

    /// <summary>A credit of 100 to <paramref name="account"/>: its state, a balanced journal, its key; everything named after <paramref name="name"/>.</summary>
    private static DurableCommit Credit(Db db, string name, string account, long expectedVersion = 0, string kind = "deposit") => new()
    {
        Epoch = db.Epoch,
        At = T0,
        Idempotency = new IdempotencyRecord($"credit:{name}", $"{{\"credited\":\"{name}\"}}"),
        States = [new GrainStateChange(Account(account), "state", $"{{\"after\":\"{name}\"}}", expectedVersion)],
        Journal = [new JournalTransaction($"journal-{name}", T0,
            [new JournalEntry(account, "evm-1", "USDC", 100, kind), new JournalEntry("vault:evm-1", "evm-1", "USDC", -100, kind)])],
    };

    private static async Task AssertNothingOf(Db db, string name)
    {
        Assert.Empty(await db.Ledger.EntriesAsync($"journal-{name}"));
        Assert.Null(await db.Keys.FindResultAsync($"credit:{name}"));
    }

    /// <summary>
    /// Runs <paramref name="first"/> alone in a batch that waits on a held write lock, queues <paramref name="next"/>
    /// behind it, releases the lock, and returns every caller's task: the next ones were written as ONE batch.
    /// </summary>
    private async Task<(Task<CommitOutcome> First, Task<CommitOutcome>[] Next)> InOneBatchAfterAsync(
        Db db, DurableCommit first, IReadOnlyList<Func<Task<CommitOutcome>>> next, int expectedBatches = 2)
    {
        var before = db.Statistics;
        var held = await HoldWriteLockAsync(db.Database);
        Task<CommitOutcome> firstTask;
        Task<CommitOutcome>[] nextTasks;
        try
        {
            firstTask = db.UnitOfWork.CommitAsync(first);
            await db.WaitAsync(s => s.Batches == before.Batches + 1 && s.Queued == 0, "the first batch to be taken");
            nextTasks = [.. next.Select(commit => commit())];
            await db.WaitAsync(s => s.Queued == next.Count, $"{next.Count} commits to queue behind the first batch");
            Assert.False(firstTask.IsCompleted, "the first batch should be waiting for the held lock");
        }
        finally
        {
            await held.DisposeAsync();
        }

        await Task.WhenAll(new[] { firstTask }.Concat(nextTasks).Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
        Assert.Equal(new GroupCommitStatistics(before.Batches + expectedBatches, before.Commands + 1 + next.Count, 0), db.Statistics);
        return (firstTask, nextTasks);
    }

    [Fact]
    public async Task Concurrent_commits_on_many_accounts_all_land_once()
    {
        const int accounts = 64;
        var db = await StartAsync();

        var outcomes = await Task.WhenAll(Enumerable.Range(0, accounts)
            .Select(i => Task.Run(() => db.UnitOfWork.CommitAsync(Credit(db, $"c{i}", $"acct-{i}")))));

        Assert.All(outcomes, o => Assert.Equal([1L], Assert.IsType<CommitOutcome.Committed>(o).StateVersions));
        for (var i = 0; i < accounts; i++)
        {
            Assert.Equal(new GrainStateRecord(1, $"{{\"after\":\"c{i}\"}}"), await db.Grains.ReadAsync(Account($"acct-{i}"), "state", default));
            Assert.Equal($"{{\"credited\":\"c{i}\"}}", await db.Keys.FindResultAsync($"credit:c{i}"));
        }

        Assert.Equal(new BigInteger(-100 * accounts), await db.Ledger.BalanceAsync("vault:evm-1", "evm-1", "USDC"));
        Assert.Equal(2 * accounts, await db.CountAsync("ledger_entry"));
        Assert.Empty(await db.Ledger.TrialBalanceAsync());
        var statistics = db.Statistics;
        Assert.Equal(accounts, statistics.Commands);
        Assert.InRange(statistics.Batches, 1, accounts);
    }

    [Fact]
    public async Task With_several_small_batches_in_flight_every_commit_lands_once()
    {
        const int accounts = 40;
        var db = await StartAsync(new GroupCommitOptions { MaxBatchSize = 3, MaxConcurrentBatches = 4 });

        var outcomes = await Task.WhenAll(Enumerable.Range(0, accounts)
            .Select(i => Task.Run(() => db.UnitOfWork.CommitAsync(Credit(db, $"c{i}", $"acct-{i}")))));

        Assert.All(outcomes, o => Assert.Equal([1L], Assert.IsType<CommitOutcome.Committed>(o).StateVersions));
        Assert.Equal(2 * accounts, await db.CountAsync("ledger_entry"));
        Assert.Equal(accounts, await db.CountAsync("idempotency_key"));
        Assert.Empty(await db.Ledger.TrialBalanceAsync());
        var statistics = db.Statistics;
        Assert.Equal(accounts, statistics.Commands);
        Assert.InRange(statistics.Batches, (accounts + 2) / 3, accounts); // never more than 3 commands in one
    }

    [Fact]
    public async Task Commits_arriving_while_a_batch_is_written_are_written_together()
    {
        var db = await StartAsync();

        var (first, next) = await InOneBatchAfterAsync(db, Credit(db, "first", "acct-0"),
            [.. Enumerable.Range(1, 20).Select(i => (Func<Task<CommitOutcome>>)(() => db.UnitOfWork.CommitAsync(Credit(db, $"c{i}", $"acct-{i}"))))]);

        Assert.IsType<CommitOutcome.Committed>(await first);
        foreach (var task in next)
        {
            Assert.Equal([1L], Assert.IsType<CommitOutcome.Committed>(await task).StateVersions);
        }

        Assert.Equal(42, await db.CountAsync("ledger_entry"));
        Assert.Empty(await db.Ledger.TrialBalanceAsync());
    }

    [Fact]
    public async Task Each_caller_of_a_batch_gets_its_own_outcome_and_a_refused_command_fails_alone()
    {
        var db = await StartAsync();
        await db.UnitOfWork.CommitAsync(Credit(db, "used", "acct-used"));
        await db.UnitOfWork.CommitAsync(Credit(db, "planner", "acct-planner") with { Outbox = [new PlannedAction("decision-1", "evm-1", "withdraw", "{}")] });
        var stale = Credit(db, "stale", "acct-used", expectedVersion: 0);          // acct-used is at version 1
        var repeat = Credit(db, "used", "acct-repeat");                            // key credit:used was consumed
        var twice = Credit(db, "twice-2", "acct-twice-2") with { Idempotency = new IdempotencyRecord("credit:twice-1", "{\"credited\":\"twice-2\"}") };
        var duplicateDecision = Credit(db, "dup", "acct-dup") with { Outbox = [new PlannedAction("decision-1", "evm-1", "withdraw", "{}")] };
        var unbalanced = Credit(db, "unbalanced", "acct-unbalanced") with
        {
            Journal = [new JournalTransaction("journal-unbalanced", T0, [new JournalEntry("acct-unbalanced", "evm-1", "USDC", 100, "deposit"), new JournalEntry("vault:evm-1", "evm-1", "USDC", -50, "deposit")])],
        };

        var (first, next) = await InOneBatchAfterAsync(db, Credit(db, "first", "acct-first"),
        [
            () => db.UnitOfWork.CommitAsync(Credit(db, "good-1", "acct-1")),
            () => db.UnitOfWork.CommitAsync(stale),
            () => db.UnitOfWork.CommitAsync(repeat),
            () => db.UnitOfWork.CommitAsync(Credit(db, "twice-1", "acct-twice-1")),
            () => db.UnitOfWork.CommitAsync(twice),                                 // same key as the command before it, same batch
            () => db.UnitOfWork.CommitAsync(duplicateDecision),
            () => db.UnitOfWork.CommitAsync(Credit(db, "good-2", "acct-used", expectedVersion: 1)),
        ]);

        Assert.IsType<CommitOutcome.Committed>(await first);
        Assert.Equal([1L], Assert.IsType<CommitOutcome.Committed>(await next[0]).StateVersions);
        await Assert.ThrowsAsync<InconsistentStateException>(() => next[1]);
        Assert.Equal(new CommitOutcome.AlreadyApplied("{\"credited\":\"used\"}"), await next[2]);
        Assert.IsType<CommitOutcome.Committed>(await next[3]);
        Assert.Equal(new CommitOutcome.AlreadyApplied("{\"credited\":\"twice-1\"}"), await next[4]);
        await Assert.ThrowsAsync<DuplicateDecisionException>(() => next[5]);
        Assert.Equal([2L], Assert.IsType<CommitOutcome.Committed>(await next[6]).StateVersions);
        // Refused before it reaches the queue, like without batching.
        await Assert.ThrowsAsync<UnbalancedJournalException>(() => db.UnitOfWork.CommitAsync(unbalanced));

        Assert.Empty(await db.Ledger.EntriesAsync("journal-stale"));
        Assert.Null(await db.Keys.FindResultAsync("credit:stale"));
        Assert.Equal(2, (await db.Ledger.EntriesAsync("journal-used")).Count);
        Assert.Equal(GrainStateRecord.Missing, await db.Grains.ReadAsync(Account("acct-repeat"), "state", default));
        Assert.Empty(await db.Ledger.EntriesAsync("journal-twice-2"));
        await AssertNothingOf(db, "dup");
        await AssertNothingOf(db, "unbalanced");
        Assert.Equal(new GrainStateRecord(2, "{\"after\":\"good-2\"}"), await db.Grains.ReadAsync(Account("acct-used"), "state", default));
        Assert.Equal(1, await db.CountAsync("outbox_action"));
        Assert.Equal(new BigInteger(-100 * 6), await db.Ledger.BalanceAsync("vault:evm-1", "evm-1", "USDC")); // used, planner, first, good-1, twice-1, good-2
        Assert.Empty(await db.Ledger.TrialBalanceAsync());
    }

    [Fact]
    public async Task A_transaction_that_fails_at_commit_fails_every_caller_of_its_batch_and_writes_none_of_them()
    {
        var db = await StartAsync();
        await db.ExecuteRawAsync(FailAtCommitSql);

        var (first, next) = await InOneBatchAfterAsync(db, Credit(db, "first", "acct-first"),
        [
            () => db.UnitOfWork.CommitAsync(Credit(db, "a", "acct-a")),
            () => db.UnitOfWork.CommitAsync(Credit(db, "poison", "acct-poison", kind: "fail-at-commit")),
            () => db.UnitOfWork.CommitAsync(Credit(db, "b", "acct-b")),
        ]);

        Assert.IsType<CommitOutcome.Committed>(await first);
        var failures = new List<Exception>();
        foreach (var task in next)
        {
            failures.Add(await Assert.ThrowsAnyAsync<DbException>(() => task));
        }

        Assert.All(failures, f => Assert.Same(failures[0], f));
        foreach (var name in new[] { "a", "poison", "b" })
        {
            await AssertNothingOf(db, name);
        }

        Assert.Equal(GrainStateRecord.Missing, await db.Grains.ReadAsync(Account("acct-a"), "state", default));
        Assert.Empty(await db.Ledger.TrialBalanceAsync());

        // The committer goes on: the innocent commands, retried, land.
        Assert.IsType<CommitOutcome.Committed>(await db.UnitOfWork.CommitAsync(Credit(db, "a", "acct-a")));
        Assert.IsType<CommitOutcome.Committed>(await db.UnitOfWork.CommitAsync(Credit(db, "b", "acct-b")));
        Assert.Equal(6, await db.CountAsync("ledger_entry"));
    }

    [Fact]
    public async Task A_deposed_hosts_batch_fails_every_caller_with_the_fence_and_writes_nothing()
    {
        var db = await StartAsync();
        await new SqlHostLease(db.Database).TryAcquireAsync("host-b", T0.AddMinutes(1), TimeSpan.FromSeconds(30), default);

        var (first, next) = await InOneBatchAfterAsync(db, Credit(db, "c0", "acct-0"),
            [.. Enumerable.Range(1, 4).Select(i => (Func<Task<CommitOutcome>>)(() => db.UnitOfWork.CommitAsync(Credit(db, $"c{i}", $"acct-{i}"))))]);

        foreach (var task in next.Prepend(first))
        {
            var fenced = await Assert.ThrowsAsync<FencedWriteException>(() => task);
            Assert.Equal(db.Epoch + 1, fenced.CurrentEpoch);
        }

        for (var i = 0; i < 5; i++)
        {
            await AssertNothingOf(db, $"c{i}");
        }

        Assert.Equal(0, await db.CountAsync("grain_state"));
    }

    [Fact]
    public async Task Commits_of_two_epochs_are_never_in_one_batch_and_only_the_current_ones_land()
    {
        var db = await StartAsync();
        var lease = new SqlHostLease(db.Database);
        // The same host lost its lease and took it again: epoch + 1. Commits under the old epoch are still queued.
        var regained = await lease.TryAcquireAsync("host-b", T0.AddMinutes(1), TimeSpan.FromSeconds(30), default);
        var current = regained!.Epoch;

        var (first, next) = await InOneBatchAfterAsync(db, Credit(db, "first", "acct-first") with { Epoch = current },
        [
            () => db.UnitOfWork.CommitAsync(Credit(db, "old-1", "acct-1")),
            () => db.UnitOfWork.CommitAsync(Credit(db, "new-1", "acct-2") with { Epoch = current }),
            () => db.UnitOfWork.CommitAsync(Credit(db, "old-2", "acct-3")),
        ], expectedBatches: 3); // first; then old-1 and old-2 (the queue head's epoch); then new-1

        Assert.IsType<CommitOutcome.Committed>(await first);
        await Assert.ThrowsAsync<FencedWriteException>(() => next[0]);
        Assert.IsType<CommitOutcome.Committed>(await next[1]);
        await Assert.ThrowsAsync<FencedWriteException>(() => next[2]);
        await AssertNothingOf(db, "old-1");
        await AssertNothingOf(db, "old-2");
        Assert.Equal(4, await db.CountAsync("ledger_entry"));
    }

    [Fact]
    public async Task A_commit_cancelled_while_queued_is_withdrawn_and_never_written()
    {
        var db = await StartAsync();
        using var cancellation = new CancellationTokenSource();
        var held = await HoldWriteLockAsync(db.Database);
        Task<CommitOutcome> first, withdrawn;
        try
        {
            first = db.UnitOfWork.CommitAsync(Credit(db, "first", "acct-first"));
            await db.WaitAsync(s => s is { Batches: 1, Queued: 0 }, "the first batch to be taken");
            withdrawn = db.UnitOfWork.CommitAsync(Credit(db, "withdrawn", "acct-w"), cancellation.Token);
            await db.WaitAsync(s => s.Queued == 1, "the second commit to queue");
            await cancellation.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => withdrawn);
        }
        finally
        {
            await held.DisposeAsync();
        }

        Assert.IsType<CommitOutcome.Committed>(await first);
        await AssertNothingOf(db, "withdrawn");
        Assert.Equal(new GroupCommitStatistics(1, 1, 0), db.Statistics);
    }

    [Fact]
    public async Task A_commit_made_while_execution_context_flow_is_suppressed_still_lands()
    {
        var db = await StartAsync();
        Task<CommitOutcome> commit;
        using (ExecutionContext.SuppressFlow())
        {
            commit = db.UnitOfWork.CommitAsync(Credit(db, "a", "acct-a"));
        }

        Assert.Equal([1L], Assert.IsType<CommitOutcome.Committed>(await commit).StateVersions);
    }
}
