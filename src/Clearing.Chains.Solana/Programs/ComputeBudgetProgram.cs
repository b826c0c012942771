using Clearing.Chains.Solana.Builders;

namespace Clearing.Chains.Solana.Programs;

/// <summary>A decoded Compute Budget instruction.</summary>
public abstract record ComputeBudgetInstruction;

/// <summary>SetComputeUnitLimit (2): the most compute units the transaction may use.</summary>
public sealed record SetComputeUnitLimit(uint Units) : ComputeBudgetInstruction;

/// <summary>SetComputeUnitPrice (3): the priority fee, in micro-lamports per compute unit.</summary>
public sealed record SetComputeUnitPrice(ulong MicroLamports) : ComputeBudgetInstruction;

/// <summary>The Compute Budget program: one-byte tag then a little-endian value; no accounts.</summary>
public static class ComputeBudgetProgram
{
    private const byte SetComputeUnitLimitTag = 2;
    private const byte SetComputeUnitPriceTag = 3;

    public static TransactionInstruction SetComputeUnitLimit(uint units) =>
        new(ProgramIds.ComputeBudget, [], new InstructionDataWriter().U8(SetComputeUnitLimitTag).U32(units).ToArray());

    public static TransactionInstruction SetComputeUnitPrice(ulong microLamportsPerUnit) =>
        new(ProgramIds.ComputeBudget, [], new InstructionDataWriter().U8(SetComputeUnitPriceTag).U64(microLamportsPerUnit).ToArray());

    public static ComputeBudgetInstruction? Decode(TransactionInstruction instruction)
    {
        ArgumentNullException.ThrowIfNull(instruction);
        if (instruction.ProgramId != ProgramIds.ComputeBudget)
        {
            return null;
        }

        var reader = new InstructionDataReader(instruction.Data);
        if (!reader.U8(out var tag))
        {
            return null;
        }

        return tag switch
        {
            SetComputeUnitLimitTag when reader.U32(out var units) && reader.AtEnd => new SetComputeUnitLimit(units),
            SetComputeUnitPriceTag when reader.U64(out var price) && reader.AtEnd => new SetComputeUnitPrice(price),
            _ => null,
        };
    }
}
