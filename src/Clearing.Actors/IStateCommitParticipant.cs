namespace Clearing.Actors;

/// <summary>
/// A persistent state that a grain writes as part of a wider transaction (state + journal entries + idempotency key
/// + outbox, through Clearing.Persistence's unit of work) instead of by <see cref="IPersistentState{TState}.WriteStateAsync"/>.
/// Every <see cref="IPersistentState{TState}"/> the host creates implements it; get it with
/// <see cref="PersistentStateExtensions.AsCommitParticipant{TState}"/>.
/// </summary>
/// <remarks>
/// Protocol, inside one grain turn: take <see cref="GrainId"/>, <see cref="StateName"/>, <see cref="SerializeState"/>
/// and <see cref="Etag"/> (the expected version) into the transaction; run it through
/// <c>Grain.CommitDurablyAsync</c> with the activation's epoch; on success call <see cref="Committed"/> with the new
/// version the storage returned, so the next write expects it. On a refusal the activation is dropped (as for
/// <c>WriteStateAsync</c>) and <see cref="Committed"/> must not be called.
/// </remarks>
public interface IStateCommitParticipant
{
    GrainId GrainId { get; }

    string StateName { get; }

    /// <summary>The version the state was read or last written at: the transaction's expected version.</summary>
    long Etag { get; }

    /// <summary>The state as JSON, exactly as <c>WriteStateAsync</c> would write it.</summary>
    string SerializeState();

    /// <summary>Records that the transaction stored <see cref="SerializeState"/>'s JSON, moving the version to <paramref name="newVersion"/>.</summary>
    void Committed(long newVersion);
}

public static class PersistentStateExtensions
{
    /// <summary>The state's <see cref="IStateCommitParticipant"/> side.</summary>
    public static IStateCommitParticipant AsCommitParticipant<TState>(this IPersistentState<TState> state)
        where TState : new() =>
        state as IStateCommitParticipant
            ?? throw new ArgumentException($"{state?.GetType()} is not a host-created persistent state.", nameof(state));
}
