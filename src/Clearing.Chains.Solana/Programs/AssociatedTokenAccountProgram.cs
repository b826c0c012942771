using Clearing.Chains.Solana.Builders;
using Clearing.Chains.Solana.Encoding;

namespace Clearing.Chains.Solana.Programs;

/// <summary>A decoded Create / CreateIdempotent instruction of the Associated Token Account program.</summary>
public sealed record AssociatedTokenAccountCreate(
    PublicKey Payer, PublicKey Account, PublicKey Wallet, PublicKey Mint, PublicKey TokenProgram, bool Idempotent);

/// <summary>
/// The Associated Token Account program: the canonical token account of (wallet, mint, token program) is the PDA
/// of seeds [wallet, token program id, mint] under the ATA program.
/// </summary>
public static class AssociatedTokenAccountProgram
{
    private const byte CreateTag = 0;
    private const byte CreateIdempotentTag = 1;

    public static PublicKey FindAddress(PublicKey wallet, PublicKey mint, PublicKey? tokenProgramId = null) =>
        FindAddressWithBump(wallet, mint, tokenProgramId).Address;

    public static (PublicKey Address, byte Bump) FindAddressWithBump(PublicKey wallet, PublicKey mint, PublicKey? tokenProgramId = null) =>
        PublicKey.FindProgramAddress(
            [wallet.ToByteArray(), (tokenProgramId ?? ProgramIds.Token).ToByteArray(), mint.ToByteArray()],
            ProgramIds.AssociatedTokenAccount);

    /// <summary>Create: fails if the account exists.</summary>
    public static TransactionInstruction Create(PublicKey payer, PublicKey wallet, PublicKey mint, PublicKey? tokenProgramId = null) =>
        Build(payer, wallet, mint, tokenProgramId ?? ProgramIds.Token, CreateTag);

    /// <summary>CreateIdempotent: succeeds without change if the account already exists with the same owner and mint.</summary>
    public static TransactionInstruction CreateIdempotent(PublicKey payer, PublicKey wallet, PublicKey mint, PublicKey? tokenProgramId = null) =>
        Build(payer, wallet, mint, tokenProgramId ?? ProgramIds.Token, CreateIdempotentTag);

    /// <summary>The decoded instruction, or null when it is not an ATA create we decode. Empty data is the original Create.</summary>
    public static AssociatedTokenAccountCreate? Decode(TransactionInstruction instruction)
    {
        ArgumentNullException.ThrowIfNull(instruction);
        if (instruction.ProgramId != ProgramIds.AssociatedTokenAccount || instruction.Accounts.Count < 6)
        {
            return null;
        }

        bool idempotent;
        switch (instruction.Data)
        {
            case []:
            case [CreateTag]:
                idempotent = false;
                break;
            case [CreateIdempotentTag]:
                idempotent = true;
                break;
            default:
                return null;
        }

        var a = instruction.Accounts;
        return new AssociatedTokenAccountCreate(a[0].Key, a[1].Key, a[2].Key, a[3].Key, a[5].Key, idempotent);
    }

    /// <summary>
    /// Accounts: [0] payer (writable, signer), [1] associated account (writable), [2] wallet, [3] mint,
    /// [4] System Program, [5] token program.
    /// </summary>
    private static TransactionInstruction Build(PublicKey payer, PublicKey wallet, PublicKey mint, PublicKey tokenProgramId, byte tag) =>
        new(ProgramIds.AssociatedTokenAccount,
            [
                AccountMeta.Writable(payer, isSigner: true),
                AccountMeta.Writable(FindAddress(wallet, mint, tokenProgramId)),
                AccountMeta.ReadOnly(wallet),
                AccountMeta.ReadOnly(mint),
                AccountMeta.ReadOnly(ProgramIds.System),
                AccountMeta.ReadOnly(tokenProgramId),
            ],
            [tag]);
}
