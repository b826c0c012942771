namespace Clearing.Chains;

/// <summary>Life of a chain action: planned → signed → broadcast → confirmed, or failed from any state before confirmed.</summary>
public enum ChainActionState
{
    Planned,
    Signed,
    Broadcast,
    Confirmed,
    Failed,
}

/// <summary>
/// What signing bound an action to, persisted BEFORE anything is broadcast (DESIGN.md §6): the EVM nonce or the
/// Solana last valid block height, the signed bytes every retry re-sends unchanged, and the transaction id they make.
/// </summary>
public sealed record ChainActionBinding(long? Nonce, long? LastValidBlockHeight, string SignedTransaction, string TxId);

/// <summary>One decided withdrawal or seizure as an executor sees it.</summary>
/// <param name="DecisionId">The withdrawal or liquidation id: at most one execution per decision.</param>
/// <param name="Kind"><c>withdrawal</c> or <c>seizure</c>.</param>
/// <param name="PayloadJson">What to execute (token or mint, recipient, amount in base units as a string).</param>
public sealed record ChainAction(
    long ActionId,
    string DecisionId,
    string Chain,
    string Kind,
    string PayloadJson,
    ChainActionState State,
    ChainActionBinding? Binding,
    int Attempts)
{
    /// <summary>The W3C traceparent of the span that planned the action, or null: the executor's span is its child.</summary>
    public string? TraceParent { get; init; }
}

/// <summary>
/// The durable record executors work from (the outbox). Every transition is a compare-and-set on the state: two
/// executors racing on one action cannot both move it, and a refused move throws.
/// </summary>
public interface IChainActionJournal
{
    /// <summary>Actions of <paramref name="chain"/> that are not confirmed or failed, oldest first.</summary>
    Task<IReadOnlyList<ChainAction>> OpenAsync(string chain, CancellationToken cancellationToken);

    /// <summary>
    /// planned → signed, recording the binding. Refuses (conflict) an EVM nonce already bound to another action of the
    /// same chain that has not failed: two executor passes racing can never put two actions on one nonce.
    /// </summary>
    Task<ChainAction> BindAsync(long actionId, ChainActionBinding binding, CancellationToken cancellationToken);

    /// <summary>
    /// signed or broadcast → signed with a new transaction, allowed only when the old one can no longer land: on EVM
    /// a replacement with the SAME nonce (so at most one of them is ever mined); on Solana a new blockhash after the
    /// old last valid block height passed and the old signature is absent at finalized. A compare-and-set on
    /// <paramref name="replacedTxId"/>: of two executors that both judged the same transaction dead, only one
    /// re-binds, so a decision never has two live transactions (on Solana, where no nonce ties them, that would pay twice).
    /// </summary>
    Task<ChainAction> RebindAsync(long actionId, string replacedTxId, ChainActionBinding binding, CancellationToken cancellationToken);

    /// <summary>signed → broadcast, or broadcast → broadcast for a re-send of the same bytes; counts one attempt.</summary>
    Task<ChainAction> MarkBroadcastAsync(long actionId, CancellationToken cancellationToken);

    /// <summary>broadcast → confirmed: the transaction is final on its chain.</summary>
    Task<ChainAction> MarkConfirmedAsync(long actionId, CancellationToken cancellationToken);

    /// <summary>
    /// planned → failed: given up before anything was signed. Only from planned, so an executor acting on a stale view
    /// can never fail an action that another executor has already signed and sent.
    /// </summary>
    Task<ChainAction> AbandonAsync(long actionId, string reason, CancellationToken cancellationToken);

    /// <summary>signed or broadcast → failed, from facts on the chain, with a reason an operator can act on.</summary>
    Task<ChainAction> MarkFailedAsync(long actionId, string reason, CancellationToken cancellationToken);
}

/// <summary>A journal transition that the action's current state does not allow (another executor got there first).</summary>
public sealed class ChainActionConflictException(long actionId, ChainActionState? from, string attempted)
    : Exception($"Chain action {actionId} is {(from is null ? "unknown" : from.ToString()!.ToLowerInvariant())}; it cannot be {attempted}.");
