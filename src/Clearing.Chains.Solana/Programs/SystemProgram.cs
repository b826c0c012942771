using Clearing.Chains.Solana.Builders;
using Clearing.Chains.Solana.Encoding;

namespace Clearing.Chains.Solana.Programs;

/// <summary>A decoded System Program instruction.</summary>
public abstract record SystemInstruction;

/// <summary>Transfer (index 2): moves <paramref name="Lamports"/> from a signing account to another.</summary>
public sealed record SystemTransfer(PublicKey From, PublicKey To, ulong Lamports) : SystemInstruction;

/// <summary>CreateAccount (index 0): funds and allocates a new account owned by <paramref name="Owner"/>.</summary>
public sealed record SystemCreateAccount(PublicKey From, PublicKey NewAccount, ulong Lamports, ulong Space, PublicKey Owner) : SystemInstruction;

/// <summary>
/// System Program instructions. Data is a u32 little-endian instruction index followed by its fields
/// (bincode layout of <c>SystemInstruction</c>).
/// </summary>
public static class SystemProgram
{
    private const uint CreateAccountIndex = 0;
    private const uint TransferIndex = 2;

    /// <summary>Accounts: [0] from (writable, signer), [1] to (writable).</summary>
    public static TransactionInstruction Transfer(PublicKey from, PublicKey to, ulong lamports) =>
        new(ProgramIds.System, [AccountMeta.Writable(from, isSigner: true), AccountMeta.Writable(to)],
            new InstructionDataWriter().U32(TransferIndex).U64(lamports).ToArray());

    /// <summary>Accounts: [0] funding (writable, signer), [1] new account (writable, signer). Space in bytes.</summary>
    public static TransactionInstruction CreateAccount(PublicKey from, PublicKey newAccount, ulong lamports, ulong space, PublicKey owner) =>
        new(ProgramIds.System, [AccountMeta.Writable(from, isSigner: true), AccountMeta.Writable(newAccount, isSigner: true)],
            new InstructionDataWriter().U32(CreateAccountIndex).U64(lamports).U64(space).Key(owner).ToArray());

    /// <summary>The decoded instruction, or null when it is not a System instruction we decode or is malformed.</summary>
    public static SystemInstruction? Decode(TransactionInstruction instruction)
    {
        ArgumentNullException.ThrowIfNull(instruction);
        if (instruction.ProgramId != ProgramIds.System)
        {
            return null;
        }

        var reader = new InstructionDataReader(instruction.Data);
        if (!reader.U32(out var index))
        {
            return null;
        }

        var accounts = instruction.Accounts;
        switch (index)
        {
            case TransferIndex when accounts.Count >= 2 && reader.U64(out var lamports) && reader.AtEnd:
                return new SystemTransfer(accounts[0].Key, accounts[1].Key, lamports);
            case CreateAccountIndex when accounts.Count >= 2 && reader.U64(out var lamports) && reader.U64(out var space)
                                         && reader.Key(out var owner) && reader.AtEnd:
                return new SystemCreateAccount(accounts[0].Key, accounts[1].Key, lamports, space, owner);
            default:
                return null;
        }
    }
}
