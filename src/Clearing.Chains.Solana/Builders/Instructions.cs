using Clearing.Chains.Solana.Encoding;

namespace Clearing.Chains.Solana.Builders;

/// <summary>One account an instruction touches, with whether it must sign and whether it may be written.</summary>
public readonly record struct AccountMeta(PublicKey Key, bool IsSigner, bool IsWritable)
{
    public static AccountMeta Writable(PublicKey key, bool isSigner = false) => new(key, isSigner, true);

    public static AccountMeta ReadOnly(PublicKey key, bool isSigner = false) => new(key, isSigner, false);
}

/// <summary>An instruction before compilation: the program to run, the accounts it is given in order, and its data.</summary>
public sealed record TransactionInstruction(PublicKey ProgramId, IReadOnlyList<AccountMeta> Accounts, byte[] Data);

/// <summary>
/// The three counts that give each static account its role (Solana's MessageHeader): the first
/// <see cref="NumRequiredSignatures"/> keys sign, the last <see cref="NumReadonlySignedAccounts"/> of those are
/// read-only, and the last <see cref="NumReadonlyUnsignedAccounts"/> of the static keys are read-only.
/// </summary>
public readonly record struct MessageHeader(byte NumRequiredSignatures, byte NumReadonlySignedAccounts, byte NumReadonlyUnsignedAccounts);

/// <summary>An instruction inside a message: indexes into the message's full account key list, and data.</summary>
public sealed record CompiledInstruction(byte ProgramIdIndex, byte[] AccountIndexes, byte[] Data);

/// <summary>A v0 message's reference to an address lookup table: which of its entries load writable, which read-only.</summary>
public sealed record MessageAddressTableLookup(PublicKey AccountKey, byte[] WritableIndexes, byte[] ReadonlyIndexes);

/// <summary>The contents of an address lookup table account (its address and stored addresses, in order).</summary>
public sealed record AddressLookupTable(PublicKey Key, IReadOnlyList<PublicKey> Addresses);

/// <summary>
/// The accounts a v0 message names once its lookups are resolved, in Solana's order: static keys, then every table's
/// writable loads (tables in lookup order), then every table's read-only loads.
/// </summary>
public sealed record LoadedAccountKeys(IReadOnlyList<PublicKey> StaticKeys, IReadOnlyList<PublicKey> Writable, IReadOnlyList<PublicKey> Readonly)
{
    public IReadOnlyList<PublicKey> All => [.. StaticKeys, .. Writable, .. Readonly];
}
