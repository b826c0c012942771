using Clearing.Actors;
using Clearing.Persistence.Cursors;
using Clearing.Persistence.Idempotency;
using Clearing.Persistence.Ledger;
using Clearing.Persistence.Outbox;

namespace Clearing.Persistence.UnitOfWork;

/// <summary>A grain state to replace if it is still at <paramref name="ExpectedVersion"/> (the integer ETag).</summary>
public sealed record GrainStateChange(GrainId GrainId, string StateName, string Json, long ExpectedVersion)
{
    /// <summary>
    /// The change a grain's persistent state takes into a unit of work (its JSON now, expected at its current ETag).
    /// After <see cref="CommitOutcome.Committed"/>, hand the returned version back with
    /// <see cref="IStateCommitParticipant.Committed"/>.
    /// </summary>
    public static GrainStateChange Of(IStateCommitParticipant state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return new GrainStateChange(state.GrainId, state.StateName, state.SerializeState(), state.Etag);
    }
}

/// <summary>
/// Everything one command changes, written by <see cref="DurableUnitOfWork.CommitAsync"/> in one database
/// transaction or not at all.
/// </summary>
public sealed record DurableCommit
{
    /// <summary>The writing host's lease epoch; the commit is refused if it is not current.</summary>
    public required long Epoch { get; init; }

    /// <summary>The caller's clock: stamped on the idempotency key, planned outbox actions and the cursor.</summary>
    public required DateTimeOffset At { get; init; }

    /// <summary>The command's key and result; if the key was consumed before, nothing is written and the stored result is returned.</summary>
    public IdempotencyRecord? Idempotency { get; init; }

    public IReadOnlyList<GrainStateChange> States { get; init; } = [];

    /// <summary>Journal transactions; each must balance per (chain, asset).</summary>
    public IReadOnlyList<JournalTransaction> Journal { get; init; } = [];

    public IReadOnlyList<PlannedAction> Outbox { get; init; } = [];

    /// <summary>A watcher's cursor that moves with the credits it produced.</summary>
    public CursorAdvance? Cursor { get; init; }

    /// <summary>
    /// Deposits credited into their recipients' inboxes (a chain's finalized batch), each under its OWN idempotency key:
    /// a key consumed before skips that deposit (reported in <see cref="CommitOutcome.Committed.DepositsCreditedBefore"/>),
    /// not the commit. Written after the cursor, in the same transaction.
    /// </summary>
    public IReadOnlyList<Inbox.InboxDeposit> Deposits { get; init; } = [];

    /// <summary>Inbox rows the grain of <see cref="States"/> folds into its state in this commit: removed; each must still be waiting.</summary>
    public IReadOnlyList<Inbox.AbsorbedCredit> Absorbed { get; init; } = [];
}

/// <summary>How a <see cref="DurableCommit"/> ended when it did not throw.</summary>
public abstract record CommitOutcome
{
    private CommitOutcome()
    {
    }

    /// <summary>Everything was written.</summary>
    /// <param name="StateVersions">The new version of each <see cref="DurableCommit.States"/> entry, in order.</param>
    /// <param name="OutboxActionIds">The id of each planned <see cref="DurableCommit.Outbox"/> action, in order.</param>
    public sealed record Committed(IReadOnlyList<long> StateVersions, IReadOnlyList<long> OutboxActionIds) : CommitOutcome
    {
        /// <summary>The credit keys of <see cref="DurableCommit.Deposits"/> that had been consumed before: nothing of those was written.</summary>
        public IReadOnlyList<string> DepositsCreditedBefore { get; init; } = [];
    }

    /// <summary>The idempotency key was already consumed: nothing was written; this is the first run's result.</summary>
    public sealed record AlreadyApplied(string ResultJson) : CommitOutcome;
}
