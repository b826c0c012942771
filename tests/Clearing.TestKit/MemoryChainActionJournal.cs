using Clearing.Chains;

namespace Clearing.TestKit;

/// <summary>
/// An in-memory <see cref="IChainActionJournal"/> for executor tests: the same compare-and-set transitions as the
/// outbox, and "a restart" is a new executor over the same journal. One nonce per chain is bound to at most one
/// action, which is what lets several executor passes race without two actions sharing a nonce.
/// </summary>
public sealed class MemoryChainActionJournal : IChainActionJournal
{
    private readonly Lock gate = new();
    private readonly Dictionary<long, ChainAction> actions = [];
    private readonly Dictionary<long, string> failureReasons = [];
    private long nextId = 1;

    /// <summary>Plans an action (what the grains do when they decide a withdrawal or seizure).</summary>
    public ChainAction Plan(string decisionId, string chain, string kind, string payloadJson)
    {
        lock (gate)
        {
            if (actions.Values.Any(a => a.DecisionId == decisionId))
            {
                throw new InvalidOperationException($"Decision {decisionId} already has an action.");
            }

            var action = new ChainAction(nextId++, decisionId, chain, kind, payloadJson, ChainActionState.Planned, null, 0);
            actions[action.ActionId] = action;
            return action;
        }
    }

    public ChainAction Get(long actionId)
    {
        lock (gate)
        {
            return actions[actionId];
        }
    }

    /// <summary>Why the action failed, as the executor said it.</summary>
    public string? FailureReason(long actionId)
    {
        lock (gate)
        {
            return failureReasons.GetValueOrDefault(actionId);
        }
    }

    public Task<IReadOnlyList<ChainAction>> OpenAsync(string chain, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            IReadOnlyList<ChainAction> open = actions.Values
                .Where(a => a.Chain == chain && a.State is not (ChainActionState.Confirmed or ChainActionState.Failed))
                .OrderBy(a => a.ActionId)
                .ToList();
            return Task.FromResult(open);
        }
    }

    public Task<ChainAction> BindAsync(long actionId, ChainActionBinding binding, CancellationToken cancellationToken) =>
        Move(actionId, "bound", [ChainActionState.Planned], a =>
        {
            EnsureNonceFree(a, binding);
            return a with { State = ChainActionState.Signed, Binding = binding };
        });

    public Task<ChainAction> RebindAsync(long actionId, string replacedTxId, ChainActionBinding binding, CancellationToken cancellationToken) =>
        Move(actionId, "re-bound", [ChainActionState.Signed, ChainActionState.Broadcast], a =>
        {
            if (a.Binding?.TxId != replacedTxId)
            {
                throw new ChainActionConflictException(actionId, a.State, $"re-bound in place of {replacedTxId} (it holds {a.Binding?.TxId})");
            }

            if (a.Binding?.Nonce is { } nonce && binding.Nonce != nonce)
            {
                throw new ChainActionConflictException(actionId, a.State, $"re-bound to nonce {binding.Nonce} (it holds {nonce})");
            }

            return a with { State = ChainActionState.Signed, Binding = binding };
        });

    public Task<ChainAction> MarkBroadcastAsync(long actionId, CancellationToken cancellationToken) =>
        Move(actionId, "broadcast", [ChainActionState.Signed, ChainActionState.Broadcast], a => a with { State = ChainActionState.Broadcast, Attempts = a.Attempts + 1 });

    public Task<ChainAction> MarkConfirmedAsync(long actionId, CancellationToken cancellationToken) =>
        Move(actionId, "confirmed", [ChainActionState.Broadcast], a => a with { State = ChainActionState.Confirmed });

    public Task<ChainAction> AbandonAsync(long actionId, string reason, CancellationToken cancellationToken) =>
        Fail(actionId, reason, "abandoned", [ChainActionState.Planned]);

    public Task<ChainAction> MarkFailedAsync(long actionId, string reason, CancellationToken cancellationToken) =>
        Fail(actionId, reason, "failed", [ChainActionState.Signed, ChainActionState.Broadcast]);

    private Task<ChainAction> Fail(long actionId, string reason, string attempted, ChainActionState[] from) =>
        Move(actionId, attempted, from, a =>
        {
            failureReasons[actionId] = reason;
            return a with { State = ChainActionState.Failed };
        });

    private void EnsureNonceFree(ChainAction action, ChainActionBinding binding)
    {
        if (binding.Nonce is { } nonce && actions.Values.Any(other =>
                other.ActionId != action.ActionId && other.Chain == action.Chain && other.Binding?.Nonce == nonce && other.State != ChainActionState.Failed))
        {
            throw new ChainActionConflictException(action.ActionId, action.State, $"bound to nonce {nonce}, which another action of {action.Chain} holds");
        }
    }

    private Task<ChainAction> Move(long actionId, string attempted, ChainActionState[] from, Func<ChainAction, ChainAction> change)
    {
        lock (gate)
        {
            if (!actions.TryGetValue(actionId, out var action) || !from.Contains(action.State))
            {
                throw new ChainActionConflictException(actionId, action?.State, attempted);
            }

            var changed = change(action);
            actions[actionId] = changed;
            return Task.FromResult(changed);
        }
    }
}
