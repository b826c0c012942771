using System.Numerics;
using Clearing.Chains.Evm.Rlp;

namespace Clearing.Chains.Evm.Model;

/// <summary>One EIP-2930 access list entry: a contract address and the storage slots the transaction will touch.</summary>
public sealed record AccessListEntry(EvmAddress Address, IReadOnlyList<byte[]> StorageKeys);

/// <summary>An unsigned transaction: what the signer commits to.</summary>
public abstract record EvmTransaction
{
    /// <summary>Nonce of the sender account; each executor decision is bound to exactly one (DESIGN.md §6).</summary>
    public required ulong Nonce { get; init; }

    /// <summary>Gas units the transaction may use.</summary>
    public required ulong GasLimit { get; init; }

    /// <summary>Recipient; null creates a contract.</summary>
    public required EvmAddress? To { get; init; }

    /// <summary>Value in wei.</summary>
    public required BigInteger Value { get; init; }

    /// <summary>Call data (or init code for a contract creation).</summary>
    public byte[] Data { get; init; } = [];

    /// <summary>The bytes the signer hashes: type byte (typed transactions) and the RLP of the unsigned fields.</summary>
    public abstract byte[] EncodeForSigning();

    /// <summary>Keccak-256 of <see cref="EncodeForSigning"/>: the 32 bytes that get signed.</summary>
    public byte[] SigningHash() => Keccak256.Hash(EncodeForSigning());

    internal static RlpString EncodeTo(EvmAddress? to) => to is { } address ? new RlpString(address.Bytes.ToArray()) : RlpString.Empty;
}

/// <summary>
/// A legacy (type 0) transaction. With a chain id it is signed per EIP-155: "hash nine rlp encoded elements
/// (nonce, gasprice, startgas, to, value, data, chainid, 0, 0)" and v = chainId * 2 + 35 + recovery id;
/// without one (pre-EIP-155, replayable on every chain) the hash covers the first six and v = 27 + recovery id.
/// </summary>
public sealed record LegacyTransaction : EvmTransaction
{
    /// <summary>EIP-155 chain id; null only for replayable pre-EIP-155 transactions read from a chain.</summary>
    public required ulong? ChainId { get; init; }

    /// <summary>Price per gas unit in wei.</summary>
    public required BigInteger GasPrice { get; init; }

    public override byte[] EncodeForSigning()
    {
        var fields = new List<RlpItem>(UnsignedFields());
        if (ChainId is { } chainId)
        {
            fields.Add(RlpString.FromUInt(chainId));
            fields.Add(RlpString.Empty);
            fields.Add(RlpString.Empty);
        }

        return RlpCodec.Encode(new RlpList(fields));
    }

    internal IEnumerable<RlpItem> UnsignedFields() =>
    [
        RlpString.FromUInt(Nonce),
        RlpString.FromUInt(GasPrice),
        RlpString.FromUInt(GasLimit),
        EncodeTo(To),
        RlpString.FromUInt(Value),
        new RlpString(Data),
    ];
}

/// <summary>
/// An EIP-1559 (type 2) transaction. Signing hash, from the EIP: keccak256(0x02 || rlp([chain_id, nonce,
/// max_priority_fee_per_gas, max_fee_per_gas, gas_limit, destination, amount, data, access_list])).
/// </summary>
public sealed record Eip1559Transaction : EvmTransaction
{
    /// <summary>The EIP-2718 transaction type byte.</summary>
    public const byte TypeByte = 0x02;

    public required ulong ChainId { get; init; }

    /// <summary>Tip per gas unit to the block producer, in wei.</summary>
    public required BigInteger MaxPriorityFeePerGas { get; init; }

    /// <summary>Cap on base fee + tip per gas unit, in wei.</summary>
    public required BigInteger MaxFeePerGas { get; init; }

    public IReadOnlyList<AccessListEntry> AccessList { get; init; } = [];

    public override byte[] EncodeForSigning() => [TypeByte, .. RlpCodec.Encode(new RlpList([.. UnsignedFields()]))];

    internal IEnumerable<RlpItem> UnsignedFields() =>
    [
        RlpString.FromUInt(ChainId),
        RlpString.FromUInt(Nonce),
        RlpString.FromUInt(MaxPriorityFeePerGas),
        RlpString.FromUInt(MaxFeePerGas),
        RlpString.FromUInt(GasLimit),
        EncodeTo(To),
        RlpString.FromUInt(Value),
        new RlpString(Data),
        EncodeAccessList(AccessList),
    ];

    private static RlpList EncodeAccessList(IReadOnlyList<AccessListEntry> accessList) =>
        new([.. accessList.Select(entry => (RlpItem)RlpList.Of(
            new RlpString(entry.Address.Bytes.ToArray()),
            new RlpList([.. entry.StorageKeys.Select(key => key.Length == 32
                ? (RlpItem)new RlpString(key)
                : throw new ArgumentException("Access list storage keys are 32 bytes."))])))]);
}
