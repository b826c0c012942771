using Clearing.Chains.Solana.Builders;
using Clearing.Chains.Solana.Encoding;

namespace Clearing.Chains.Solana.Programs;

/// <summary>A decoded SPL Token (or Token-2022) instruction; <see cref="ProgramId"/> says which program.</summary>
public abstract record TokenInstruction(PublicKey ProgramId);

/// <summary>Transfer (3): amount in the mint's base units; the mint is not named, so the decimals are unknown.</summary>
public sealed record TokenTransfer(PublicKey ProgramId, PublicKey Source, PublicKey Destination, PublicKey Authority, ulong Amount)
    : TokenInstruction(ProgramId);

/// <summary>TransferChecked (12): names the mint and asserts its decimals.</summary>
public sealed record TokenTransferChecked(PublicKey ProgramId, PublicKey Source, PublicKey Mint, PublicKey Destination, PublicKey Authority, ulong Amount, byte Decimals)
    : TokenInstruction(ProgramId);

/// <summary>MintTo (7).</summary>
public sealed record TokenMintTo(PublicKey ProgramId, PublicKey Mint, PublicKey Destination, PublicKey Authority, ulong Amount)
    : TokenInstruction(ProgramId);

/// <summary>InitializeMint2 (20): no rent sysvar account.</summary>
public sealed record TokenInitializeMint2(PublicKey ProgramId, PublicKey Mint, byte Decimals, PublicKey MintAuthority, PublicKey? FreezeAuthority)
    : TokenInstruction(ProgramId);

/// <summary>InitializeAccount3 (18): the owner is in the data, not an account.</summary>
public sealed record TokenInitializeAccount3(PublicKey ProgramId, PublicKey Account, PublicKey Mint, PublicKey Owner)
    : TokenInstruction(ProgramId);

/// <summary>
/// SPL Token instructions (same layouts in Token-2022). Data: a one-byte instruction tag, then little-endian
/// fields; an optional key is a COption: one tag byte (0 none, 1 some) then 32 bytes when present.
/// </summary>
public static class TokenProgram
{
    /// <summary>Size of a mint account, in bytes (rent-exempt minimum is computed from it).</summary>
    public const ulong MintSize = 82;

    /// <summary>Size of a token account, in bytes.</summary>
    public const ulong AccountSize = 165;

    private const byte MintToTag = 7;
    private const byte TransferTag = 3;
    private const byte TransferCheckedTag = 12;
    private const byte InitializeAccount3Tag = 18;
    private const byte InitializeMint2Tag = 20;

    /// <summary>Accounts: [0] source (writable), [1] destination (writable), [2] owner/delegate (signer).</summary>
    public static TransactionInstruction Transfer(PublicKey source, PublicKey destination, PublicKey authority, ulong amount, PublicKey? programId = null) =>
        new(Program(programId),
            [AccountMeta.Writable(source), AccountMeta.Writable(destination), AccountMeta.ReadOnly(authority, isSigner: true)],
            new InstructionDataWriter().U8(TransferTag).U64(amount).ToArray());

    /// <summary>Accounts: [0] source (writable), [1] mint, [2] destination (writable), [3] owner/delegate (signer).</summary>
    public static TransactionInstruction TransferChecked(
        PublicKey source, PublicKey mint, PublicKey destination, PublicKey authority, ulong amount, byte decimals, PublicKey? programId = null) =>
        new(Program(programId),
            [AccountMeta.Writable(source), AccountMeta.ReadOnly(mint), AccountMeta.Writable(destination), AccountMeta.ReadOnly(authority, isSigner: true)],
            new InstructionDataWriter().U8(TransferCheckedTag).U64(amount).U8(decimals).ToArray());

    /// <summary>Accounts: [0] mint (writable), [1] destination (writable), [2] mint authority (signer).</summary>
    public static TransactionInstruction MintTo(PublicKey mint, PublicKey destination, PublicKey mintAuthority, ulong amount, PublicKey? programId = null) =>
        new(Program(programId),
            [AccountMeta.Writable(mint), AccountMeta.Writable(destination), AccountMeta.ReadOnly(mintAuthority, isSigner: true)],
            new InstructionDataWriter().U8(MintToTag).U64(amount).ToArray());

    /// <summary>Accounts: [0] mint (writable).</summary>
    public static TransactionInstruction InitializeMint2(PublicKey mint, byte decimals, PublicKey mintAuthority, PublicKey? freezeAuthority, PublicKey? programId = null)
    {
        var data = new InstructionDataWriter().U8(InitializeMint2Tag).U8(decimals).Key(mintAuthority);
        data = freezeAuthority is { } freeze ? data.U8(1).Key(freeze) : data.U8(0);
        return new(Program(programId), [AccountMeta.Writable(mint)], data.ToArray());
    }

    /// <summary>Accounts: [0] token account (writable), [1] mint.</summary>
    public static TransactionInstruction InitializeAccount3(PublicKey account, PublicKey mint, PublicKey owner, PublicKey? programId = null) =>
        new(Program(programId), [AccountMeta.Writable(account), AccountMeta.ReadOnly(mint)],
            new InstructionDataWriter().U8(InitializeAccount3Tag).Key(owner).ToArray());

    /// <summary>The decoded instruction, or null when it is not a Token instruction we decode or is malformed.</summary>
    public static TokenInstruction? Decode(TransactionInstruction instruction)
    {
        ArgumentNullException.ThrowIfNull(instruction);
        if (!ProgramIds.IsTokenProgram(instruction.ProgramId))
        {
            return null;
        }

        var program = instruction.ProgramId;
        var accounts = instruction.Accounts;
        var reader = new InstructionDataReader(instruction.Data);
        if (!reader.U8(out var tag))
        {
            return null;
        }

        switch (tag)
        {
            case TransferTag when accounts.Count >= 3 && reader.U64(out var amount) && reader.AtEnd:
                return new TokenTransfer(program, accounts[0].Key, accounts[1].Key, accounts[2].Key, amount);
            case TransferCheckedTag when accounts.Count >= 4 && reader.U64(out var amount) && reader.U8(out var decimals) && reader.AtEnd:
                return new TokenTransferChecked(program, accounts[0].Key, accounts[1].Key, accounts[2].Key, accounts[3].Key, amount, decimals);
            case MintToTag when accounts.Count >= 3 && reader.U64(out var amount) && reader.AtEnd:
                return new TokenMintTo(program, accounts[0].Key, accounts[1].Key, accounts[2].Key, amount);
            case InitializeAccount3Tag when accounts.Count >= 2 && reader.Key(out var owner) && reader.AtEnd:
                return new TokenInitializeAccount3(program, accounts[0].Key, accounts[1].Key, owner);
            case InitializeMint2Tag when accounts.Count >= 1 && reader.U8(out var decimals) && reader.Key(out var authority) && reader.U8(out var hasFreeze):
                if (hasFreeze == 0 && reader.AtEnd)
                {
                    return new TokenInitializeMint2(program, accounts[0].Key, decimals, authority, null);
                }

                return hasFreeze == 1 && reader.Key(out var freeze) && reader.AtEnd
                    ? new TokenInitializeMint2(program, accounts[0].Key, decimals, authority, freeze)
                    : null;
            default:
                return null;
        }
    }

    private static PublicKey Program(PublicKey? programId)
    {
        var id = programId ?? ProgramIds.Token;
        return ProgramIds.IsTokenProgram(id)
            ? id
            : throw new ArgumentException($"{id} is neither the Token nor the Token-2022 program.", nameof(programId));
    }
}
