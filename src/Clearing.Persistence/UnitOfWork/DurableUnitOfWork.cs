using Clearing.Persistence.ActorStorage;
using Clearing.Persistence.Cursors;
using Clearing.Persistence.Idempotency;
using Clearing.Persistence.Ledger;
using Clearing.Persistence.Outbox;

namespace Clearing.Persistence.UnitOfWork;

/// <summary>
/// Writes one command's effects - grain state, journal entries, idempotency key, outbox actions, cursor - in one
/// database transaction. Inside it, in this order: the lease fence (a deposed host writes nothing), the idempotency
/// key (a repeat returns the first result), the version check of each state, then the rest. Any refusal rolls
/// everything back.
/// </summary>
public sealed class DurableUnitOfWork(ClearingDatabase database)
{
    /// <summary>Commits <paramref name="commit"/> or nothing.</summary>
    /// <returns><see cref="CommitOutcome.Committed"/>, or <see cref="CommitOutcome.AlreadyApplied"/> when the idempotency key was consumed before.</returns>
    /// <exception cref="Clearing.Actors.Storage.FencedWriteException">The epoch is not the lease's current epoch.</exception>
    /// <exception cref="Clearing.Actors.Storage.InconsistentStateException">A state's stored version is not the expected one.</exception>
    /// <exception cref="UnbalancedJournalException">A journal transaction does not sum to zero per (chain, asset); checked before the database is touched.</exception>
    /// <exception cref="DuplicateDecisionException">An outbox action's decision already has one.</exception>
    /// <exception cref="CursorConflictException">The cursor is not where the caller expected.</exception>
    public async Task<CommitOutcome> CommitAsync(DurableCommit commit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(commit);
        foreach (var journalTransaction in commit.Journal)
        {
            journalTransaction.EnsureValid();
        }

        var dialect = database.Dialect;
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await dialect.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        await LeaseFence.EnsureCurrentAsync(dialect, connection, transaction, commit.Epoch, cancellationToken).ConfigureAwait(false);

        if (commit.Idempotency is { } idempotency
            && await IdempotencyStore.TryConsumeAsync(connection, transaction, idempotency, commit.At, cancellationToken).ConfigureAwait(false) is { } storedResult)
        {
            await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
            return new CommitOutcome.AlreadyApplied(storedResult);
        }

        var versions = new List<long>(commit.States.Count);
        foreach (var state in commit.States)
        {
            ArgumentNullException.ThrowIfNull(state.Json);
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

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new CommitOutcome.Committed(versions, actionIds);
    }
}
