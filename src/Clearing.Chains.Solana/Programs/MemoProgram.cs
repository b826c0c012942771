using System.Text;
using Clearing.Chains.Solana.Builders;
using Clearing.Chains.Solana.Encoding;

namespace Clearing.Chains.Solana.Programs;

/// <summary>A decoded memo: its text and the accounts that signed it.</summary>
public sealed record MemoInstruction(string Text, IReadOnlyList<PublicKey> Signers);

/// <summary>The SPL Memo program (v2): data is the memo as UTF-8; every account given must sign.</summary>
public static class MemoProgram
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static TransactionInstruction Create(string text, params PublicKey[] signers)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new(ProgramIds.Memo, [.. signers.Select(s => AccountMeta.ReadOnly(s, isSigner: true))], StrictUtf8.GetBytes(text));
    }

    /// <summary>The memo, or null when the instruction is not a memo or its data is not valid UTF-8 (which the program rejects).</summary>
    public static MemoInstruction? Decode(TransactionInstruction instruction)
    {
        ArgumentNullException.ThrowIfNull(instruction);
        if (instruction.ProgramId != ProgramIds.Memo)
        {
            return null;
        }

        try
        {
            return new MemoInstruction(StrictUtf8.GetString(instruction.Data), [.. instruction.Accounts.Select(a => a.Key)]);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }
}
