using System.Globalization;
using System.Numerics;
using Clearing.Chains.Evm.Abi;
using Clearing.Chains.Evm.Model;

namespace Clearing.Chains.Evm.Rpc;

/// <summary>A block parameter: a tag (latest, safe, finalized, pending, earliest) or a block number.</summary>
public readonly record struct BlockTag
{
    private readonly string? tag;

    private BlockTag(string? tag, ulong number)
    {
        this.tag = tag;
        Number = number;
    }

    public static BlockTag Latest { get; } = new("latest", 0);

    /// <summary>The head the consensus layer considers safe from reorgs short of an attack (post-merge).</summary>
    public static BlockTag Safe { get; } = new("safe", 0);

    /// <summary>The block that can no longer be reverted; deposits are credited only here (DESIGN.md §6).</summary>
    public static BlockTag Finalized { get; } = new("finalized", 0);

    public static BlockTag Pending { get; } = new("pending", 0);

    public static BlockTag Earliest { get; } = new("earliest", 0);

    /// <summary>The block number when this is not a tag.</summary>
    public ulong Number { get; }

    public bool IsNumber => tag is null;

    public static BlockTag AtNumber(ulong number) => new(null, number);

    public string ToRpcString() => tag ?? Hex.EncodeQuantity(Number);

    public override string ToString() => tag ?? Number.ToString(CultureInfo.InvariantCulture);
}

/// <summary>The fields of a block header Clearing reads (eth_getBlockByNumber without transactions).</summary>
public sealed record EvmBlock(ulong Number, Hash32 Hash, Hash32 ParentHash, ulong Timestamp, BigInteger? BaseFeePerGas);

/// <summary>One log entry from eth_getLogs or a receipt.</summary>
public sealed record EvmLog(
    EvmAddress Address,
    IReadOnlyList<byte[]> Topics,
    byte[] Data,
    ulong BlockNumber,
    Hash32 BlockHash,
    Hash32 TransactionHash,
    ulong TransactionIndex,
    ulong LogIndex,
    bool Removed) : IEvmLog;

/// <summary>A transaction receipt. <see cref="Succeeded"/> is status 1; failed transactions credit nothing (DESIGN.md §6).</summary>
public sealed record EvmReceipt(
    Hash32 TransactionHash,
    Hash32 BlockHash,
    ulong BlockNumber,
    ulong TransactionIndex,
    EvmAddress From,
    EvmAddress? To,
    EvmAddress? ContractAddress,
    bool Succeeded,
    ulong GasUsed,
    BigInteger EffectiveGasPrice,
    IReadOnlyList<EvmLog> Logs);

/// <summary>
/// eth_feeHistory: base fee per gas of each block in the range plus the next one, the used share of each block's
/// gas (a ratio for display and heuristics, never money) and the requested tip percentiles per block, in wei.
/// </summary>
public sealed record FeeHistory(
    ulong OldestBlock,
    IReadOnlyList<BigInteger> BaseFeePerGas,
    IReadOnlyList<double> GasUsedRatio,
    IReadOnlyList<IReadOnlyList<BigInteger>> Reward);

/// <summary>The transaction-like object of eth_call and eth_estimateGas. Null fields are left out.</summary>
public sealed record CallRequest
{
    public EvmAddress? From { get; init; }

    public EvmAddress? To { get; init; }

    public ulong? Gas { get; init; }

    public BigInteger? Value { get; init; }

    public byte[]? Data { get; init; }

    public BigInteger? MaxFeePerGas { get; init; }

    public BigInteger? MaxPriorityFeePerGas { get; init; }
}

/// <summary>
/// An eth_getLogs filter over an inclusive block range. <see cref="Topics"/> follows the RPC's positional rule:
/// entry i constrains topic i; null matches anything; several values mean "any of these".
/// </summary>
public sealed record LogFilter(ulong FromBlock, ulong ToBlock)
{
    public IReadOnlyList<EvmAddress> Addresses { get; init; } = [];

    public IReadOnlyList<IReadOnlyList<byte[]>?> Topics { get; init; } = [];

    /// <summary>
    /// Splits [from, to] into consecutive inclusive ranges of at most <paramref name="blocksPerChunk"/> blocks,
    /// because nodes cap the range (and the result size) of one eth_getLogs.
    /// </summary>
    public static IReadOnlyList<(ulong From, ulong To)> Chunk(ulong from, ulong to, ulong blocksPerChunk)
    {
        ArgumentOutOfRangeException.ThrowIfZero(blocksPerChunk);
        if (to < from)
        {
            throw new ArgumentException($"Block range end {to} is before its start {from}.");
        }

        var chunks = new List<(ulong, ulong)>();
        for (var start = from; ; start += blocksPerChunk)
        {
            var end = to - start < blocksPerChunk - 1 ? to : start + blocksPerChunk - 1;
            chunks.Add((start, end));
            if (end == to)
            {
                return chunks;
            }
        }
    }
}
