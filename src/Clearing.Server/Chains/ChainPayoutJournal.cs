using System.Collections.Concurrent;
using Clearing.Chains;

namespace Clearing.Server.Chains;

/// <summary>
/// The one place where the grains' decisions meet a chain's executor. The grains plan outbox kinds <c>withdraw</c>
/// and <c>seize</c> in their own terms (<see cref="GrainDecision"/>); this journal shows the executor each of them as
/// its chain family's payout (<see cref="IChainPayouts"/>), passes every other kind through unchanged, and hands each
/// decision that reaches confirmed or failed to <see cref="Finished"/> for settlement back to its grain.
/// A decision that cannot be paid on this chain (asset not allowlisted, destination not an address, zero units) is
/// abandoned with the reason before anything is signed, so its settlement says "not paid".
/// </summary>
public sealed class ChainPayoutJournal(IChainActionJournal inner, IChainPayouts payouts) : IChainActionJournal
{
    /// <summary>Grain decisions (in the grain's terms, with their binding) that reached confirmed or failed and await settlement.</summary>
    public ConcurrentDictionary<long, FinishedDecision> Finished { get; } = new();

    public async Task<IReadOnlyList<ChainAction>> OpenAsync(string chain, CancellationToken cancellationToken)
    {
        var open = new List<ChainAction>();
        foreach (var action in await inner.OpenAsync(chain, cancellationToken))
        {
            if (!GrainDecision.IsGrainKind(action.Kind))
            {
                open.Add(action);
                continue;
            }

            var (payout, problem) = Payout(action);
            if (payout is not null)
            {
                open.Add(action with { Kind = payout.Kind, PayloadJson = payout.PayloadJson });
            }
            else if (action.State == ChainActionState.Planned)
            {
                try
                {
                    var reason = $"{action.Kind} {action.DecisionId} cannot be paid on {chain}: {problem}";
                    Finish(await inner.AbandonAsync(action.ActionId, reason, cancellationToken), reason);
                }
                catch (ChainActionConflictException)
                {
                    // Another executor moved it first; its state decides.
                }
            }
        }

        return open;
    }

    public async Task<ChainAction> BindAsync(long actionId, ChainActionBinding binding, CancellationToken cancellationToken) =>
        ForExecutor(await inner.BindAsync(actionId, binding, cancellationToken));

    public async Task<ChainAction> RebindAsync(long actionId, string replacedTxId, ChainActionBinding binding, CancellationToken cancellationToken) =>
        ForExecutor(await inner.RebindAsync(actionId, replacedTxId, binding, cancellationToken));

    public async Task<ChainAction> MarkBroadcastAsync(long actionId, CancellationToken cancellationToken) =>
        ForExecutor(await inner.MarkBroadcastAsync(actionId, cancellationToken));

    public async Task<ChainAction> MarkConfirmedAsync(long actionId, CancellationToken cancellationToken) =>
        ForExecutor(Finish(await inner.MarkConfirmedAsync(actionId, cancellationToken), null));

    public async Task<ChainAction> AbandonAsync(long actionId, string reason, CancellationToken cancellationToken) =>
        ForExecutor(Finish(await inner.AbandonAsync(actionId, reason, cancellationToken), reason));

    public async Task<ChainAction> MarkFailedAsync(long actionId, string reason, CancellationToken cancellationToken) =>
        ForExecutor(Finish(await inner.MarkFailedAsync(actionId, reason, cancellationToken), reason));

    /// <summary>The executor's payout of a grain decision on this chain, or why it cannot be paid here.</summary>
    public (ExecutorPayout? Payout, string? Problem) Payout(ChainAction action)
    {
        try
        {
            return GrainDecision.Read(action).On(payouts);
        }
        catch (FormatException e)
        {
            return (null, e.Message);
        }
    }

    private ChainAction Finish(ChainAction action, string? reason)
    {
        if (GrainDecision.IsGrainKind(action.Kind) && action.State is ChainActionState.Confirmed or ChainActionState.Failed)
        {
            Finished[action.ActionId] = new FinishedDecision(action, reason);
        }

        return action;
    }

    private ChainAction ForExecutor(ChainAction action) =>
        GrainDecision.IsGrainKind(action.Kind) && Payout(action).Payout is { } payout
            ? action with { Kind = payout.Kind, PayloadJson = payout.PayloadJson }
            : action;
}

/// <summary>A grain decision whose outbox action ended: the action (grain terms, with its binding) and, when it failed, why.</summary>
public sealed record FinishedDecision(ChainAction Action, string? FailureReason);
