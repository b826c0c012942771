using System.Numerics;
using Clearing.Chains.Evm.Model;
using Clearing.Chains.Evm.Rpc;
using Clearing.Chains.Evm.Signing;

namespace Clearing.Chains.Evm.Execution;

/// <summary>EIP-1559 fees for one transaction, in wei per gas.</summary>
public readonly record struct FeeQuote(BigInteger MaxFeePerGas, BigInteger MaxPriorityFeePerGas)
{
    /// <summary>
    /// The fees a replacement needs: nodes (geth's txpool rule) accept a transaction with the same nonce only if both
    /// fees rise by at least 10 %; the replacement also never asks for less than the current market.
    /// </summary>
    public FeeQuote BumpedFor(FeeQuote market) => new(
        BigInteger.Max(market.MaxFeePerGas, Bump(MaxFeePerGas)),
        BigInteger.Max(market.MaxPriorityFeePerGas, Bump(MaxPriorityFeePerGas)));

    // +12.5 %, rounded up: comfortably above the 10 % minimum.
    private static BigInteger Bump(BigInteger fee) => fee + ((fee + 7) / 8);
}

/// <summary>
/// Signs and sends operator transactions from one key on one chain: EIP-1559, gas from eth_estimateGas plus a margin,
/// fees from the latest base fee and the node's suggested tip. Which nonce a transaction uses is the caller's decision
/// (an executor binds each decision to one); <see cref="NextNonceAsync"/> tells what the node expects next.
/// </summary>
public sealed class EvmTransactionSender(EvmRpcClient rpc, EvmPrivateKey key, ulong chainId)
{
    // Estimates are taken against the current state; a margin keeps a transaction from running out of gas when
    // the state moves a little before it is mined.
    private const int GasMarginPercent = 20;

    public EvmAddress Address => key.Address;

    public ulong ChainId => chainId;

    public EvmRpcClient Rpc => rpc;

    /// <summary>The nonce the node expects next from this key, counting transactions still in its pool.</summary>
    public async Task<ulong> NextNonceAsync(CancellationToken cancellationToken) =>
        (await rpc.GetTransactionCountAsync(key.Address, BlockTag.Pending, cancellationToken)).Value;

    /// <summary>
    /// Fees that stay valid while the base fee rises for several full blocks: max fee = 2 × base fee + tip
    /// (each full block raises the base fee by at most 12.5 %, so doubling covers about six of them).
    /// </summary>
    public async Task<FeeQuote> QuoteFeesAsync(CancellationToken cancellationToken)
    {
        var latest = (await rpc.GetBlockAsync(BlockTag.Latest, cancellationToken)).Value
            ?? throw new InvalidOperationException("The node returned no latest block.");
        var baseFee = latest.BaseFeePerGas ?? throw new InvalidOperationException($"Chain {chainId} has no base fee: it does not support EIP-1559.");
        var tip = (await rpc.GetMaxPriorityFeePerGasAsync(cancellationToken)).Value;
        return new FeeQuote((2 * baseFee) + tip, tip);
    }

    /// <summary>
    /// Builds and signs a call (or, with <paramref name="to"/> null, a contract creation) at <paramref name="nonce"/>.
    /// Without <paramref name="gasLimit"/> the gas comes from eth_estimateGas plus a margin; a call that would revert
    /// fails there with the node's JSON-RPC error (an <see cref="RpcException"/>), before anything is signed.
    /// </summary>
    public async Task<SignedTransaction> SignAsync(EvmAddress? to, byte[] data, BigInteger value, ulong nonce, FeeQuote fees, ulong? gasLimit, CancellationToken cancellationToken)
    {
        var gas = gasLimit ?? await EstimateWithMarginAsync(to, data, value, cancellationToken);
        var transaction = new Eip1559Transaction
        {
            ChainId = chainId,
            Nonce = nonce,
            To = to,
            Value = value,
            Data = data,
            GasLimit = gas,
            MaxFeePerGas = fees.MaxFeePerGas,
            MaxPriorityFeePerGas = fees.MaxPriorityFeePerGas,
        };
        return SignedTransaction.Sign(transaction, key);
    }

    private async Task<ulong> EstimateWithMarginAsync(EvmAddress? to, byte[] data, BigInteger value, CancellationToken cancellationToken)
    {
        var estimate = (await rpc.EstimateGasAsync(new CallRequest { From = key.Address, To = to, Data = data, Value = value }, cancellationToken)).Value;
        return estimate + (estimate * GasMarginPercent / 100);
    }

    /// <summary>Sends already signed bytes. Sending the same bytes again is harmless: they can be mined once.</summary>
    public async Task<RpcResult<Hash32>> BroadcastAsync(SignedTransaction transaction, CancellationToken cancellationToken) =>
        await rpc.SendRawTransactionAsync(transaction.Encoded.ToArray(), cancellationToken);

    /// <summary>Signs at the next nonce, sends, and waits for the receipt (for one-off operator work such as a deployment).</summary>
    public async Task<EvmReceipt> SendAndWaitAsync(EvmAddress? to, byte[] data, BigInteger value, TimeSpan deadline, CancellationToken cancellationToken)
    {
        var signed = await SignAsync(to, data, value, await NextNonceAsync(cancellationToken), await QuoteFeesAsync(cancellationToken), gasLimit: null, cancellationToken);
        var hash = (await BroadcastAsync(signed, cancellationToken)).Value;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(deadline);
        while (true)
        {
            if ((await rpc.GetTransactionReceiptAsync(hash, timeout.Token)).Value is { } receipt)
            {
                return receipt.Succeeded ? receipt : throw new InvalidOperationException($"Transaction {hash} was mined but reverted.");
            }

            // A block takes seconds on a real chain; asking more often than every half second only loads the node.
            await Task.Delay(TimeSpan.FromMilliseconds(500), timeout.Token);
        }
    }
}
