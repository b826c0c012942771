using System.Collections.Concurrent;
using System.Globalization;
using System.Numerics;
using System.Text.Json;
using Clearing.Chains;
using Clearing.Chains.Evm.Execution;
using Clearing.Chains.Evm.Model;
using Clearing.Grains.Accounts;

namespace Clearing.Server.Chains;

/// <summary>
/// The one place where the account grain's withdrawal meets the EVM executor. The grain plans outbox kind
/// <c>withdraw</c> with <c>{Account, Chain, Asset, Units, Destination}</c> (it knows asset symbols, not token contracts);
/// the executor pays kind <c>withdrawal</c> with <see cref="EvmPayout"/> <c>{token, to, amount}</c>. This journal shows
/// the executor every grain withdrawal in the executor's terms (asset → token through the chain's allowlist), passes
/// everything else through unchanged, and hands each withdrawal that reaches confirmed or failed to
/// <see cref="Finished"/> for settlement back to the account.
/// A withdrawal that cannot be paid on this chain (asset not allowlisted, destination not an address) is abandoned
/// with the reason before anything is signed, so the settlement returns the reserved units to the account.
/// </summary>
public sealed class WithdrawalPayoutJournal(IChainActionJournal inner, IReadOnlyDictionary<EvmAddress, string> tokens) : IChainActionJournal
{
    private readonly Dictionary<string, EvmAddress> tokenOfAsset = tokens.ToDictionary(pair => pair.Value, pair => pair.Key, StringComparer.Ordinal);

    /// <summary>Grain withdrawals (in the grain's terms, carrying the account) that reached confirmed or failed and await settlement.</summary>
    public ConcurrentDictionary<long, ChainAction> Finished { get; } = new();

    public async Task<IReadOnlyList<ChainAction>> OpenAsync(string chain, CancellationToken cancellationToken)
    {
        var open = new List<ChainAction>();
        foreach (var action in await inner.OpenAsync(chain, cancellationToken))
        {
            if (action.Kind != MarginAccountGrain.WithdrawKind)
            {
                open.Add(action);
                continue;
            }

            var (payout, problem) = Payout(action);
            if (payout is not null)
            {
                open.Add(AsPayout(action, payout));
            }
            else if (action.State == ChainActionState.Planned)
            {
                try
                {
                    Finish(await inner.AbandonAsync(action.ActionId, $"withdrawal {action.DecisionId} cannot be paid on {chain}: {problem}", cancellationToken));
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
        ForExecutor(Finish(await inner.MarkConfirmedAsync(actionId, cancellationToken)));

    public async Task<ChainAction> AbandonAsync(long actionId, string reason, CancellationToken cancellationToken) =>
        ForExecutor(Finish(await inner.AbandonAsync(actionId, reason, cancellationToken)));

    public async Task<ChainAction> MarkFailedAsync(long actionId, string reason, CancellationToken cancellationToken) =>
        ForExecutor(Finish(await inner.MarkFailedAsync(actionId, reason, cancellationToken)));

    /// <summary>The payout a grain withdrawal pays on this chain, or why it cannot be paid here.</summary>
    public (EvmPayout? Payout, string? Problem) Payout(ChainAction action)
    {
        GrainWithdrawal? withdrawal;
        try
        {
            withdrawal = JsonSerializer.Deserialize<GrainWithdrawal>(action.PayloadJson);
        }
        catch (JsonException e)
        {
            return (null, $"the payload is not a withdrawal ({e.Message})");
        }

        if (withdrawal is null)
        {
            return (null, "the payload is empty");
        }

        if (!tokenOfAsset.TryGetValue(withdrawal.Asset, out var token))
        {
            return (null, $"asset '{withdrawal.Asset}' is not on this chain's token allowlist");
        }

        if (!EvmAddress.TryParse(withdrawal.Destination, out var to) || to.IsZero)
        {
            return (null, $"destination '{withdrawal.Destination}' is not a non-zero EVM address");
        }

        if (!BigInteger.TryParse(withdrawal.Units, NumberStyles.None, CultureInfo.InvariantCulture, out var amount) || amount.IsZero)
        {
            return (null, $"units '{withdrawal.Units}' is not a positive integer");
        }

        return (new EvmPayout(token.ToChecksumString(), to.ToChecksumString(), amount.ToString(CultureInfo.InvariantCulture)), null);
    }

    /// <summary>The account a grain withdrawal's units were reserved on.</summary>
    public static string AccountOf(ChainAction action) =>
        JsonSerializer.Deserialize<GrainWithdrawal>(action.PayloadJson)?.Account
        ?? throw new FormatException($"Outbox action {action.ActionId} carries no withdrawal payload.");

    private ChainAction Finish(ChainAction action)
    {
        if (action.Kind == MarginAccountGrain.WithdrawKind && action.State is ChainActionState.Confirmed or ChainActionState.Failed)
        {
            Finished[action.ActionId] = action;
        }

        return action;
    }

    private ChainAction ForExecutor(ChainAction action) =>
        action.Kind == MarginAccountGrain.WithdrawKind && Payout(action).Payout is { } payout ? AsPayout(action, payout) : action;

    private static ChainAction AsPayout(ChainAction action, EvmPayout payout) =>
        action with { Kind = EvmExecutor.WithdrawalKind, PayloadJson = payout.ToJson() };

    /// <summary>The grain's outbox payload (MarginAccountGrain writes it with default, PascalCase, JSON names).</summary>
    private sealed record GrainWithdrawal(string Account, string Chain, string Asset, string Units, string Destination);
}
