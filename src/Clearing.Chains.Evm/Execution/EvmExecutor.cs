using System.Numerics;
using System.Text.Json;
using Clearing.Chains.Evm.Abi;
using Clearing.Chains.Evm.Model;
using Clearing.Chains.Evm.Rpc;

namespace Clearing.Chains.Evm.Execution;

/// <summary>What a withdrawal or seizure action pays out: the token (zero address for the native coin), to whom, how much (base units).</summary>
public sealed record EvmPayout(string Token, string To, string Amount)
{
    public static EvmPayout Parse(string payloadJson) =>
        JsonSerializer.Deserialize<EvmPayout>(payloadJson, new JsonSerializerOptions(JsonSerializerDefaults.Web))
        ?? throw new FormatException("The action's payload is empty.");

    public string ToJson() => JsonSerializer.Serialize(this, new JsonSerializerOptions(JsonSerializerDefaults.Web));
}

public sealed record EvmExecutorOptions
{
    public required string Chain { get; init; }

    public required EvmAddress Vault { get; init; }

    /// <summary>
    /// Re-sends of the same bytes after which a transaction that is still not mined counts as stuck and is replaced with
    /// the same nonce and higher fees. Counted in executor rounds, so the policy does not depend on wall-clock time.
    /// </summary>
    public int BroadcastsBeforeReplacement { get; init; } = 3;
}

/// <summary>
/// Executes the vault's withdrawals and seizures exactly once (DESIGN.md §6). Each decision is bound to one nonce,
/// and the signed bytes are persisted in the journal BEFORE they are sent, so a crash anywhere re-sends the same
/// transaction rather than a second one. A stuck transaction is replaced with the same nonce and higher fees, so at
/// most one version can ever be mined; and the vault refuses a withdrawal or liquidation id it has already executed.
/// An action is confirmed only when its effect is in a finalized block.
/// </summary>
public sealed class EvmExecutor(EvmTransactionSender sender, IChainActionJournal journal, EvmExecutorOptions options)
{
    public const string WithdrawalKind = "withdrawal";
    public const string SeizureKind = "seizure";

    private readonly SemaphoreSlim oneRoundAtATime = new(1, 1);

    /// <summary>Moves every open action of the chain one step further. Safe to call from several places at once.</summary>
    public async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        await oneRoundAtATime.WaitAsync(cancellationToken);
        try
        {
            foreach (var action in await journal.OpenAsync(options.Chain, cancellationToken))
            {
                using var span = ChainTelemetry.StartExecution(action);
                try
                {
                    await AdvanceAsync(action, cancellationToken);
                }
                catch (ChainActionConflictException)
                {
                    // Another executor moved this action first; the next round sees its new state.
                }
            }
        }
        finally
        {
            oneRoundAtATime.Release();
        }
    }

    private async Task AdvanceAsync(ChainAction action, CancellationToken cancellationToken)
    {
        if (action.State == ChainActionState.Planned)
        {
            if (await BindAsync(action, cancellationToken) is not { } bound)
            {
                return;
            }

            action = bound;
        }

        var binding = action.Binding ?? throw new InvalidOperationException($"Action {action.ActionId} is {action.State} without a binding.");
        var nonce = checked((ulong)binding.Nonce!.Value);
        var finalized = (await sender.Rpc.GetBlockAsync(BlockTag.Finalized, cancellationToken)).Value;
        if ((await sender.Rpc.GetTransactionReceiptAsync(Hash32.Parse(binding.TxId), cancellationToken)).Value is { } receipt)
        {
            await FollowReceiptAsync(action, receipt, finalized, cancellationToken);
            return;
        }

        // Our nonce consumed in a finalized block without our current transaction: an earlier version (replaced
        // later) was mined. The vault's used-id record says whether that version executed the decision.
        var finalizedNonce = (await sender.Rpc.GetTransactionCountAsync(sender.Address, BlockTag.Finalized, cancellationToken)).Value;
        if (finalizedNonce > nonce)
        {
            await SettleByVaultRecordAsync(action, cancellationToken);
            return;
        }

        var latestNonce = (await sender.Rpc.GetTransactionCountAsync(sender.Address, BlockTag.Latest, cancellationToken)).Value;
        if (latestNonce > nonce)
        {
            // Mined (by this or an earlier version) but not final yet: wait for finality.
            return;
        }

        if (action.State == ChainActionState.Broadcast && action.Attempts % options.BroadcastsBeforeReplacement == 0)
        {
            action = await ReplaceAsync(action, binding, cancellationToken);
            binding = action.Binding!;
        }

        await SendBoundBytesAsync(action, binding, cancellationToken);
    }

    /// <summary>Signs the action at a free nonce and records it; null when the vault would refuse the call (then nothing is sent).</summary>
    private async Task<ChainAction?> BindAsync(ChainAction action, CancellationToken cancellationToken)
    {
        var nonce = await NextFreeNonceAsync(cancellationToken);
        var fees = await sender.QuoteFeesAsync(cancellationToken);
        SignedTransaction signed;
        try
        {
            signed = await sender.SignAsync(options.Vault, CallData(action), BigInteger.Zero, nonce, fees, gasLimit: null, cancellationToken);
        }
        catch (RpcException refused) when (refused.Failure.Kind == RpcFailureKind.JsonRpcError)
        {
            // The node says the call would revert. If the vault already holds this decision's id as used, the decision
            // was executed (e.g. replayed from a journal that lost the first execution): nothing is sent twice.
            var reason = await IdUsedAsync(action, BlockTag.Latest, cancellationToken)
                ? $"the vault already executed {action.Kind} {action.DecisionId}; nothing was sent"
                : $"the vault would refuse {action.Kind} {action.DecisionId}: {refused.Failure.Message}";
            await journal.AbandonAsync(action.ActionId, reason, cancellationToken);
            return null;
        }

        return await journal.BindAsync(action.ActionId, Binding(signed), cancellationToken);
    }

    /// <summary>The node's next nonce, or past the highest nonce our open actions hold (they may not be in its pool).</summary>
    private async Task<ulong> NextFreeNonceAsync(CancellationToken cancellationToken)
    {
        var next = await sender.NextNonceAsync(cancellationToken);
        foreach (var open in await journal.OpenAsync(options.Chain, cancellationToken))
        {
            if (open.Binding?.Nonce is { } held && (ulong)held >= next)
            {
                next = (ulong)held + 1;
            }
        }

        return next;
    }

    private async Task<ChainAction> ReplaceAsync(ChainAction action, ChainActionBinding binding, CancellationToken cancellationToken)
    {
        var previous = SignedTransaction.Decode(binding.SignedTransaction).Transaction as Eip1559Transaction
            ?? throw new InvalidOperationException($"Action {action.ActionId} is bound to a transaction that is not EIP-1559.");
        var fees = new FeeQuote(previous.MaxFeePerGas, previous.MaxPriorityFeePerGas).BumpedFor(await sender.QuoteFeesAsync(cancellationToken));
        // Same call, same nonce, same gas limit: only the fees change. (Estimating again would run against a pending
        // state that already holds the stuck version, where the vault refuses the id.)
        var replacement = await sender.SignAsync(options.Vault, CallData(action), BigInteger.Zero, previous.Nonce, fees, previous.GasLimit, cancellationToken);
        return await journal.RebindAsync(action.ActionId, binding.TxId, Binding(replacement), cancellationToken);
    }

    private async Task SendBoundBytesAsync(ChainAction action, ChainActionBinding binding, CancellationToken cancellationToken)
    {
        var sent = await sender.BroadcastAsync(SignedTransaction.Decode(binding.SignedTransaction), cancellationToken);
        if (!sent.IsSuccess && sent.Failure!.IsRetryable)
        {
            return;
        }

        // A JSON-RPC refusal such as "already known" or "nonce too low" means the node has these bytes or a version of
        // them; either way the next round's receipt and nonce checks tell what happened. Nothing new is ever signed here.
        await journal.MarkBroadcastAsync(action.ActionId, cancellationToken);
    }

    private async Task FollowReceiptAsync(ChainAction action, EvmReceipt receipt, EvmBlock? finalized, CancellationToken cancellationToken)
    {
        if (finalized is null || receipt.BlockNumber > finalized.Number)
        {
            return;
        }

        if (action.State == ChainActionState.Signed)
        {
            // Mined before we recorded the broadcast (a crash right after sending): record it so confirmed follows broadcast.
            await journal.MarkBroadcastAsync(action.ActionId, cancellationToken);
        }

        if (receipt.Succeeded)
        {
            await journal.MarkConfirmedAsync(action.ActionId, cancellationToken);
        }
        else
        {
            await SettleByVaultRecordAsync(action, cancellationToken);
        }
    }

    /// <summary>Confirmed if the vault records the decision's id as used at the finalized block, failed otherwise.</summary>
    private async Task SettleByVaultRecordAsync(ChainAction action, CancellationToken cancellationToken)
    {
        var used = await IdUsedAsync(action, BlockTag.Finalized, cancellationToken);
        if (action.State == ChainActionState.Signed)
        {
            await journal.MarkBroadcastAsync(action.ActionId, cancellationToken);
        }

        if (used)
        {
            await journal.MarkConfirmedAsync(action.ActionId, cancellationToken);
        }
        else
        {
            await journal.MarkFailedAsync(action.ActionId, $"the transaction holding nonce {action.Binding?.Nonce} was final but the vault did not execute {action.Kind} {action.DecisionId} (reverted)", cancellationToken);
        }
    }

    private async Task<bool> IdUsedAsync(ChainAction action, BlockTag block, CancellationToken cancellationToken)
    {
        var lookup = action.Kind == WithdrawalKind ? ClearingVaultAbi.WithdrawalIdUsed : ClearingVaultAbi.LiquidationIdUsed;
        var answer = (await sender.Rpc.CallAsync(new CallRequest { To = options.Vault, Data = lookup.EncodeCall(DecisionId32(action.DecisionId)) }, block, cancellationToken)).Value;
        return (bool)lookup.DecodeOutput(answer)[0];
    }

    private static byte[] CallData(ChainAction action)
    {
        var payout = EvmPayout.Parse(action.PayloadJson);
        var id = DecisionId32(action.DecisionId);
        var token = EvmAddress.Parse(payout.Token);
        var to = EvmAddress.Parse(payout.To);
        var amount = BigInteger.Parse(payout.Amount, System.Globalization.CultureInfo.InvariantCulture);
        return action.Kind switch
        {
            WithdrawalKind => ClearingVaultAbi.EncodeWithdraw(id, token, to, amount),
            SeizureKind => ClearingVaultAbi.EncodeSeize(id, token, to, amount),
            _ => throw new FormatException($"Action {action.ActionId} has kind '{action.Kind}'; an EVM vault executes {WithdrawalKind} and {SeizureKind}."),
        };
    }

    /// <summary>The vault's one-shot id for a decision: keccak256 of the decision id, so any id string fits in bytes32.</summary>
    public static byte[] DecisionId32(string decisionId) => Keccak256.Hash(decisionId);

    private static ChainActionBinding Binding(SignedTransaction signed) =>
        new(checked((long)signed.Transaction.Nonce), null, signed.EncodedHex, signed.HashHex);
}
