using System.Text.Json;
using Clearing.Actors;
using Clearing.Actors.Storage;
using Clearing.Grains.Serialization;
using Clearing.Persistence.Idempotency;
using Clearing.Persistence.Inbox;
using Clearing.Persistence.Ledger;
using Clearing.Persistence.Outbox;
using Clearing.Persistence.UnitOfWork;

namespace Clearing.Grains.Durable;

/// <summary>What one command changes besides its result: the grain's next state (null: unchanged), journal, outbox.</summary>
public sealed record CommandEffects<TState>(TState? NextState)
{
    public IReadOnlyList<JournalTransaction> Journal { get; init; } = [];

    public IReadOnlyList<PlannedAction> Outbox { get; init; } = [];

    /// <summary>Deposit inbox rows folded into <see cref="NextState"/>: removed in the same commit (their journal was written when credited).</summary>
    public IReadOnlyList<AbsorbedCredit> Absorbed { get; init; } = [];

    public static CommandEffects<TState> None { get; } = new((TState?)default);
}

/// <summary>
/// A grain whose commands each commit as ONE <see cref="DurableCommit"/>: the next state (compare-and-set on the
/// version the activation holds), the journal, the outbox and the command's idempotency key together with its result,
/// fenced by the activation's lease epoch. Nothing is changed in memory unless the commit landed.
/// </summary>
public abstract class DurableGrain<TState> : Grain
    where TState : class, new()
{
    private readonly IPersistentState<TState> state;
    private readonly DurableUnitOfWork unitOfWork;

    protected DurableGrain(IPersistentState<TState> state, DurableUnitOfWork unitOfWork, TimeProvider clock)
    {
        this.state = state;
        this.unitOfWork = unitOfWork;
        Clock = clock;
    }

    protected TimeProvider Clock { get; }

    /// <summary>The committed state.</summary>
    protected TState State => state.State;

    /// <summary>
    /// Commits <paramref name="effects"/> with <paramref name="result"/> stored under <paramref name="idempotencyKey"/>.
    /// If the key was consumed before, nothing is written and the first run's stored result comes back with
    /// <c>Replayed</c> true. Refusals (<see cref="InconsistentStateException"/>, <see cref="FencedWriteException"/>) drop
    /// the activation; any other failure (the outcome of the transaction may be unknown) deactivates it, so the next
    /// call reloads the state from the database either way.
    /// </summary>
    protected async Task<(TResult Result, bool Replayed)> CommitCommandAsync<TResult>(string idempotencyKey, TResult result, CommandEffects<TState> effects)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(idempotencyKey);
        var outcome = await CommitAsync(new IdempotencyRecord(idempotencyKey, JsonSerializer.Serialize(result, GrainJson.Options)), effects);
        return outcome is CommitOutcome.AlreadyApplied applied
            ? (JsonSerializer.Deserialize<TResult>(applied.ResultJson, GrainJson.Options)
                ?? throw new InvalidOperationException($"Stored result of {idempotencyKey} is empty."), true)
            : (result, false);
    }

    /// <summary>Commits a state change that is not a command with a key (e.g. the pending set a watcher replaced).</summary>
    protected Task CommitStateAsync(TState next) => CommitAsync(idempotency: null, new CommandEffects<TState>(next));

    /// <summary>
    /// Folds the deposit inbox's credits waiting for <paramref name="recipient"/> (committed by a chain's batch) into the
    /// state: one commit of <paramref name="fold"/>'s next state and the removal of exactly those rows (no journal, that
    /// was written at credit time). Returns the credits absorbed; none: nothing is committed.
    /// </summary>
    protected async Task<IReadOnlyList<InboxCredit>> AbsorbInboxAsync(string recipient, Func<IReadOnlyList<InboxCredit>, TState> fold)
    {
        var waiting = await unitOfWork.Inbox.ForRecipientAsync(recipient);
        if (waiting.Count > 0)
        {
            await CommitAsync(idempotency: null, new CommandEffects<TState>(fold(waiting))
            {
                Absorbed = [.. waiting.Select(c => new AbsorbedCredit(c.CreditKey, c.Recipient))],
            });
        }

        return waiting;
    }

    private async Task<CommitOutcome> CommitAsync(IdempotencyRecord? idempotency, CommandEffects<TState> effects)
    {
        var participant = state.AsCommitParticipant();
        var previous = state.State;
        IReadOnlyList<GrainStateChange> states = [];
        if (effects.NextState is { } next)
        {
            // The participant serializes State exactly as WriteStateAsync would; it is put back unless the commit lands.
            state.State = next;
            states = [new GrainStateChange(participant.GrainId, participant.StateName, participant.SerializeState(), participant.Etag)];
            state.State = previous;
        }

        var commit = new DurableCommit
        {
            Epoch = LeaseEpoch,
            At = Clock.GetUtcNow(),
            Idempotency = idempotency,
            States = states,
            Journal = effects.Journal,
            Outbox = effects.Outbox,
            Absorbed = effects.Absorbed,
        };
        CommitOutcome outcome;
        try
        {
            outcome = await CommitDurablyAsync(epoch => unitOfWork.CommitAsync(commit with { Epoch = epoch }));
        }
        catch (Exception failure) when (failure is not (InconsistentStateException or FencedWriteException))
        {
            // The transaction may or may not have committed (e.g. the connection broke during COMMIT): only the
            // database knows, so this activation must not go on from its memory.
            DeactivateOnIdle();
            throw;
        }

        if (outcome is CommitOutcome.Committed committed && effects.NextState is { } landed)
        {
            state.State = landed;
            participant.Committed(committed.StateVersions[0]);
            await OnStateCommittedAsync(committed.StateVersions[0], states[0].Json);
        }

        return outcome;
    }

    /// <summary>
    /// Runs after a new state landed (never for a replayed command), with its version and the JSON the transaction stored
    /// (so nothing serializes it again): where a grain tells others about it (the margin account sends its exposure to the
    /// risk book). Must not throw: the commit has happened.
    /// </summary>
    protected virtual Task OnStateCommittedAsync(long version, string stateJson) => Task.CompletedTask;
}
