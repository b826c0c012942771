using System.Data.Common;
using Clearing.Persistence.ActorStorage;
using Clearing.Persistence.Cursors;
using Clearing.Persistence.Idempotency;
using Clearing.Persistence.Inbox;
using Clearing.Persistence.Ledger;
using Clearing.Persistence.Outbox;

namespace Clearing.Persistence.UnitOfWork;

/// <summary>One command of a batch: its outcome, or why it was refused (then nothing of it was written).</summary>
public sealed record BatchItemResult(CommitOutcome? Outcome, Exception? Refusal)
{
    public bool IsRefused => Refusal is not null;
}

/// <summary>
/// Writes one command's effects - grain state, journal entries, idempotency key, outbox actions, cursor - in one
/// database transaction. Inside it, in this order: the lease fence (a deposed host writes nothing), the idempotency
/// key (a repeat returns the first result), the version check of each state, then the rest. Any refusal rolls
/// everything of that command back.
/// </summary>
public sealed class DurableUnitOfWork
{
    private readonly ClearingDatabase database;
    private readonly GroupCommitter? groupCommitter;

    /// <param name="database">Where every command is written.</param>
    /// <param name="groupCommit">If given, concurrent <see cref="CommitAsync"/> calls are written together (group commit, see <see cref="GroupCommitOptions"/>); if null, each in its own transaction.</param>
    public DurableUnitOfWork(ClearingDatabase database, GroupCommitOptions? groupCommit = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        this.database = database;
        groupCommitter = groupCommit is null ? null : new GroupCommitter(this, groupCommit);
    }

    /// <summary>The unit of work <paramref name="options"/> configure: group commit (default settings) if <see cref="PersistenceOptions.GroupCommit"/>.</summary>
    public static DurableUnitOfWork FromOptions(ClearingDatabase database, PersistenceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new DurableUnitOfWork(database, options.GroupCommit ? new GroupCommitOptions() : null);
    }

    /// <summary>What group commit has done so far; null when it is off.</summary>
    public GroupCommitStatistics? GroupCommit => groupCommitter?.Statistics;

    /// <summary>Commits <paramref name="commit"/> or nothing (with group commit on: together with concurrent commits, in its own savepoint).</summary>
    /// <returns><see cref="CommitOutcome.Committed"/>, or <see cref="CommitOutcome.AlreadyApplied"/> when the idempotency key was consumed before.</returns>
    /// <exception cref="Clearing.Actors.Storage.FencedWriteException">The epoch is not the lease's current epoch.</exception>
    /// <exception cref="Clearing.Actors.Storage.InconsistentStateException">A state's stored version is not the expected one.</exception>
    /// <exception cref="UnbalancedJournalException">A journal transaction does not sum to zero per (chain, asset); checked before the database is touched.</exception>
    /// <exception cref="DuplicateDecisionException">An outbox action's decision already has one.</exception>
    /// <exception cref="CursorConflictException">The cursor is not where the caller expected.</exception>
    public async Task<CommitOutcome> CommitAsync(DurableCommit commit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(commit);
        Validate(commit);
        if (groupCommitter is not null)
        {
            return await groupCommitter.CommitAsync(commit, cancellationToken).ConfigureAwait(false);
        }

        var dialect = database.Dialect;
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await dialect.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        await LeaseFence.EnsureCurrentAsync(dialect, connection, transaction, commit.Epoch, cancellationToken).ConfigureAwait(false);
        var outcome = await ApplyAsync(connection, transaction, commit, cancellationToken).ConfigureAwait(false);
        if (outcome is CommitOutcome.AlreadyApplied)
        {
            await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        return outcome;
    }

    /// <summary>
    /// Group commit: many commands of one host in one database transaction (one durable flush), each inside its own
    /// savepoint, so a refused command is rolled back alone and the others still commit. Commands are applied in
    /// order and see each other (a later command may expect the version an earlier one wrote).
    /// </summary>
    /// <returns>One result per command, in order; a refusal carries the exception <see cref="CommitAsync"/> would have thrown.</returns>
    /// <exception cref="Clearing.Actors.Storage.FencedWriteException">The epoch is not current: nothing is written.</exception>
    public async Task<IReadOnlyList<BatchItemResult>> CommitBatchAsync(IReadOnlyList<DurableCommit> commits, long epoch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(commits);
        if (commits.Any(c => c.Epoch != epoch))
        {
            throw new ArgumentException($"Every command of a batch must carry the batch's epoch {epoch}.", nameof(commits));
        }

        var dialect = database.Dialect;
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await dialect.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        await LeaseFence.EnsureCurrentAsync(dialect, connection, transaction, epoch, cancellationToken).ConfigureAwait(false);
        var results = new List<BatchItemResult>(commits.Count);
        foreach (var commit in commits)
        {
            try
            {
                Validate(commit);
            }
            catch (Exception refusal) when (refusal is UnbalancedJournalException or ArgumentException)
            {
                results.Add(new BatchItemResult(null, refusal));
                continue;
            }

            const string savepoint = "command";
            await transaction.SaveAsync(savepoint, cancellationToken).ConfigureAwait(false);
            try
            {
                var outcome = await ApplyAsync(connection, transaction, commit, cancellationToken).ConfigureAwait(false);
                if (outcome is CommitOutcome.AlreadyApplied)
                {
                    await transaction.RollbackAsync(savepoint, cancellationToken).ConfigureAwait(false);
                }

                await transaction.ReleaseAsync(savepoint, cancellationToken).ConfigureAwait(false);
                results.Add(new BatchItemResult(outcome, null));
            }
            catch (Exception refusal) when (IsCommandRefusal(refusal))
            {
                // Back to before this command; on PostgreSQL this also clears the aborted-transaction state.
                await transaction.RollbackAsync(savepoint, cancellationToken).ConfigureAwait(false);
                await transaction.ReleaseAsync(savepoint, cancellationToken).ConfigureAwait(false);
                results.Add(new BatchItemResult(null, refusal));
            }
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return results;
    }

    /// <summary>Reads of the deposit inbox whose rows <see cref="DurableCommit.Deposits"/> add and <see cref="DurableCommit.Absorbed"/> remove.</summary>
    public AccountInboxStore Inbox => new(database);

    private static void Validate(DurableCommit commit)
    {
        foreach (var journalTransaction in commit.Journal)
        {
            journalTransaction.EnsureValid();
        }

        foreach (var state in commit.States)
        {
            ArgumentNullException.ThrowIfNull(state.Json);
        }

        foreach (var deposit in commit.Deposits)
        {
            deposit.EnsureValid();
        }

        if (commit.Absorbed.Count > 0 && commit.States.Count != 1)
        {
            // An inbox row leaves only into the state of the one grain that absorbs it, never into nothing.
            throw new ArgumentException($"Absorbing inbox credits needs exactly one grain state in the same commit, not {commit.States.Count}.", nameof(commit));
        }
    }

    /// <summary>What one command may be refused for without the batch's transaction being lost.</summary>
    private bool IsCommandRefusal(Exception exception) => exception
        is Clearing.Actors.Storage.InconsistentStateException
        or DuplicateDecisionException
        or CursorConflictException
        or ArgumentException
        || exception is DbException db && database.Dialect.IsUniqueViolation(db);

    /// <summary>Writes the command after the fence passed; throws on a refusal, leaving the rollback to the caller.</summary>
    private async Task<CommitOutcome> ApplyAsync(DbConnection connection, DbTransaction transaction, DurableCommit commit, CancellationToken cancellationToken)
    {
        var dialect = database.Dialect;
        if (commit.Idempotency is { } idempotency
            && await IdempotencyStore.TryConsumeAsync(connection, transaction, idempotency, commit.At, cancellationToken).ConfigureAwait(false) is { } storedResult)
        {
            return new CommitOutcome.AlreadyApplied(storedResult);
        }

        var versions = new List<long>(commit.States.Count);
        foreach (var state in commit.States)
        {
            versions.Add(await SqlGrainStorage.ReplaceAsync(connection, transaction, state.GrainId, state.StateName, state.Json, state.ExpectedVersion, commit.Epoch, cancellationToken).ConfigureAwait(false));
        }

        foreach (var journalTransaction in commit.Journal)
        {
            await LedgerStore.AppendAsync(dialect, connection, transaction, journalTransaction, cancellationToken).ConfigureAwait(false);
        }

        var actionIds = new List<long>(commit.Outbox.Count);
        foreach (var action in commit.Outbox)
        {
            actionIds.Add(await OutboxStore.PlanAsync(dialect, connection, transaction, action, commit.At, cancellationToken).ConfigureAwait(false));
        }

        if (commit.Cursor is { } cursor)
        {
            await CursorStore.AdvanceAsync(connection, transaction, cursor, commit.At, cancellationToken).ConfigureAwait(false);
        }

        var creditedBefore = new List<string>();
        foreach (var deposit in commit.Deposits)
        {
            if (!await AccountInboxStore.TryCreditAsync(dialect, connection, transaction, deposit, commit.At, cancellationToken).ConfigureAwait(false))
            {
                creditedBefore.Add(deposit.Credit.CreditKey);
            }
        }

        foreach (var absorbed in commit.Absorbed)
        {
            await AccountInboxStore.RemoveAsync(connection, transaction, absorbed, commit.States[0].ExpectedVersion, cancellationToken).ConfigureAwait(false);
        }

        return new CommitOutcome.Committed(versions, actionIds) { DepositsCreditedBefore = creditedBefore };
    }
}
