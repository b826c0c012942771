namespace Clearing.Persistence.Outbox;

/// <summary>
/// Life of a chain action. planned → signed → broadcast → confirmed, or → failed from any non-final state;
/// broadcast → broadcast is a re-broadcast of the same signed bytes (one more attempt). confirmed and failed are final.
/// </summary>
public enum OutboxState
{
    Planned,
    Signed,
    Broadcast,
    Confirmed,
    Failed,
}

public static class OutboxTransitions
{
    public static bool IsLegal(OutboxState from, OutboxState to) => (from, to) switch
    {
        (OutboxState.Planned, OutboxState.Signed or OutboxState.Failed) => true,
        (OutboxState.Signed, OutboxState.Broadcast or OutboxState.Failed) => true,
        (OutboxState.Broadcast, OutboxState.Broadcast or OutboxState.Confirmed or OutboxState.Failed) => true,
        _ => false,
    };

    internal static string ToText(this OutboxState state) => state switch
    {
        OutboxState.Planned => "planned",
        OutboxState.Signed => "signed",
        OutboxState.Broadcast => "broadcast",
        OutboxState.Confirmed => "confirmed",
        OutboxState.Failed => "failed",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    internal static OutboxState Parse(string text) => text switch
    {
        "planned" => OutboxState.Planned,
        "signed" => OutboxState.Signed,
        "broadcast" => OutboxState.Broadcast,
        "confirmed" => OutboxState.Confirmed,
        "failed" => OutboxState.Failed,
        _ => throw new InvalidOperationException($"Unknown outbox state '{text}'."),
    };
}

/// <summary>A chain action a decision needs, before anything is signed.</summary>
/// <param name="DecisionId">The decision it executes; at most one action per decision (unique).</param>
/// <param name="Kind">e.g. <c>withdrawal</c>, <c>seizure</c>.</param>
/// <param name="PayloadJson">What to execute (recipient, asset, amount in base units as a string, …).</param>
public sealed record PlannedAction(string DecisionId, string Chain, string Kind, string PayloadJson)
{
    /// <summary>
    /// The W3C traceparent of the span the action was planned in, taken when the record is made (inside the deciding
    /// grain's turn; with group commit the write itself runs on another flow). Stored with the action so the executor's
    /// span joins that trace.
    /// </summary>
    public string? TraceParent { get; init; } = Clearing.Telemetry.ClearingTelemetry.CurrentTraceParent();
}

/// <summary>
/// What signing bound the action to: the EVM nonce or the Solana last valid block height (at least one), the
/// signed bytes that every retry re-broadcasts unchanged, and the transaction id they produce.
/// </summary>
public sealed record OutboxSigning(long? Nonce, long? LastValidBlockHeight, string SignedTransaction, string TxId);

public sealed record OutboxAction(
    long ActionId,
    string DecisionId,
    string Chain,
    string Kind,
    string PayloadJson,
    OutboxState State,
    int Attempts,
    long? Nonce,
    long? LastValidBlockHeight,
    string? SignedTransaction,
    string? TxId,
    string? FailureReason,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    /// <summary>The W3C traceparent of the span that planned it (<see cref="PlannedAction.TraceParent"/>), or null.</summary>
    public string? TraceParent { get; init; }
}

public sealed class IllegalOutboxTransitionException(long actionId, OutboxState? from, OutboxState to)
    : InvalidOperationException(from is null
        ? $"Outbox action {actionId} does not exist (asked to move it to {to})."
        : $"Outbox action {actionId} cannot move from {from} to {to}.")
{
    public long ActionId { get; } = actionId;

    public OutboxState? From { get; } = from;

    public OutboxState To { get; } = to;
}

public sealed class DuplicateDecisionException(string decisionId, Exception inner)
    : InvalidOperationException($"Decision {decisionId} already has an outbox action; a decision executes at most once.", inner)
{
    public string DecisionId { get; } = decisionId;
}

/// <summary>The nonce a signing would bind is already bound to another action of the chain that has not failed.</summary>
public sealed class OutboxNonceTakenException(long actionId, string chain, long? nonce, Exception inner)
    : InvalidOperationException($"Outbox action {actionId} cannot take nonce {nonce} on {chain}: another action holds it.", inner)
{
    public long ActionId { get; } = actionId;
}
