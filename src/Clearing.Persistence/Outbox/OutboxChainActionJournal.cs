using Clearing.Chains;

namespace Clearing.Persistence.Outbox;

/// <summary>
/// The executors' <see cref="IChainActionJournal"/> over the durable outbox: every transition is the outbox's
/// compare-and-set under the lease fence, so an executor on a deposed host cannot move an action, and a refused move
/// surfaces as <see cref="ChainActionConflictException"/>, which executors treat as "someone else got there first".
/// </summary>
/// <param name="epoch">The running host's current lease epoch (the actor host's <c>Epoch</c>).</param>
public sealed class OutboxChainActionJournal(OutboxStore outbox, Func<long> epoch, TimeProvider clock) : IChainActionJournal
{
    public async Task<IReadOnlyList<ChainAction>> OpenAsync(string chain, CancellationToken cancellationToken) =>
        (await outbox.OpenAsync(chain, cancellationToken).ConfigureAwait(false)).Select(ToChainAction).ToList();

    public Task<ChainAction> BindAsync(long actionId, ChainActionBinding binding, CancellationToken cancellationToken) =>
        MoveAsync(actionId, "bound", () => outbox.MarkSignedAsync(actionId, Signing(binding), epoch(), clock.GetUtcNow(), cancellationToken));

    public Task<ChainAction> RebindAsync(long actionId, string replacedTxId, ChainActionBinding binding, CancellationToken cancellationToken) =>
        MoveAsync(actionId, "re-bound", () => outbox.RebindAsync(actionId, replacedTxId, Signing(binding), epoch(), clock.GetUtcNow(), cancellationToken));

    public Task<ChainAction> MarkBroadcastAsync(long actionId, CancellationToken cancellationToken) =>
        MoveAsync(actionId, "broadcast", () => outbox.MarkBroadcastAsync(actionId, epoch(), clock.GetUtcNow(), cancellationToken));

    public Task<ChainAction> MarkConfirmedAsync(long actionId, CancellationToken cancellationToken) =>
        MoveAsync(actionId, "confirmed", () => outbox.MarkConfirmedAsync(actionId, epoch(), clock.GetUtcNow(), cancellationToken));

    public Task<ChainAction> AbandonAsync(long actionId, string reason, CancellationToken cancellationToken) =>
        MoveAsync(actionId, "abandoned", () => outbox.AbandonAsync(actionId, reason, epoch(), clock.GetUtcNow(), cancellationToken));

    public Task<ChainAction> MarkFailedAsync(long actionId, string reason, CancellationToken cancellationToken) =>
        MoveAsync(actionId, "failed", async () =>
        {
            var current = await outbox.FindAsync(actionId, cancellationToken).ConfigureAwait(false);
            if (current?.State is not (OutboxState.Signed or OutboxState.Broadcast))
            {
                // Failing from chain facts is for actions that were signed; a planned one is abandoned instead.
                throw new IllegalOutboxTransitionException(actionId, current?.State, OutboxState.Failed);
            }

            return await outbox.MarkFailedAsync(actionId, reason, epoch(), clock.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        });

    private static async Task<ChainAction> MoveAsync(long actionId, string attempted, Func<Task<OutboxAction>> move)
    {
        try
        {
            return ToChainAction(await move().ConfigureAwait(false));
        }
        catch (IllegalOutboxTransitionException refused)
        {
            throw new ChainActionConflictException(actionId, refused.From is { } from ? ToState(from) : null, attempted);
        }
        catch (OutboxNonceTakenException)
        {
            throw new ChainActionConflictException(actionId, ChainActionState.Planned, attempted + " to a nonce another action holds");
        }
    }

    private static OutboxSigning Signing(ChainActionBinding binding) =>
        new(binding.Nonce, binding.LastValidBlockHeight, binding.SignedTransaction, binding.TxId);

    private static ChainAction ToChainAction(OutboxAction action) => new(
        action.ActionId,
        action.DecisionId,
        action.Chain,
        action.Kind,
        action.PayloadJson,
        ToState(action.State),
        action.SignedTransaction is { } signed ? new ChainActionBinding(action.Nonce, action.LastValidBlockHeight, signed, action.TxId!) : null,
        action.Attempts)
    {
        TraceParent = action.TraceParent,
    };

    private static ChainActionState ToState(OutboxState state) => state switch
    {
        OutboxState.Planned => ChainActionState.Planned,
        OutboxState.Signed => ChainActionState.Signed,
        OutboxState.Broadcast => ChainActionState.Broadcast,
        OutboxState.Confirmed => ChainActionState.Confirmed,
        OutboxState.Failed => ChainActionState.Failed,
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };
}
