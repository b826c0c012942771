using Clearing.Chains.Solana.Encoding;

namespace Clearing.Chains.Solana.Programs;

/// <summary>Addresses of the native and SPL programs we build instructions for.</summary>
public static class ProgramIds
{
    public static PublicKey System { get; } = PublicKey.Parse("11111111111111111111111111111111");

    public static PublicKey Token { get; } = PublicKey.Parse("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA");

    public static PublicKey Token2022 { get; } = PublicKey.Parse("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb");

    public static PublicKey AssociatedTokenAccount { get; } = PublicKey.Parse("ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL");

    public static PublicKey Memo { get; } = PublicKey.Parse("MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr");

    public static PublicKey ComputeBudget { get; } = PublicKey.Parse("ComputeBudget111111111111111111111111111111");

    /// <summary>The rent sysvar (some older instructions take it as an account).</summary>
    public static PublicKey RentSysvar { get; } = PublicKey.Parse("SysvarRent111111111111111111111111111111111");

    public static bool IsTokenProgram(PublicKey programId) => programId == Token || programId == Token2022;
}
