using System.Buffers.Binary;
using Clearing.Chains.Solana.Encoding;

namespace Clearing.Chains.Solana.Programs;

public enum TokenAccountState : byte
{
    Uninitialized = 0,
    Initialized = 1,
    Frozen = 2,
}

/// <summary>An SPL token account's base state. <see cref="Amount"/> is in the mint's base units.</summary>
public sealed record TokenAccountData(
    PublicKey Mint, PublicKey Owner, ulong Amount, PublicKey? Delegate, TokenAccountState State, ulong? NativeRentReserve, ulong DelegatedAmount, PublicKey? CloseAuthority);

/// <summary>An SPL mint's state. <see cref="Supply"/> is in base units.</summary>
public sealed record MintData(PublicKey? MintAuthority, ulong Supply, byte Decimals, bool IsInitialized, PublicKey? FreezeAuthority);

/// <summary>
/// Decodes raw SPL Token account data (the first 165 / 82 bytes; Token-2022 appends extensions after them).
/// COption fields are a u32 little-endian tag (0 none, 1 some) followed by the value, always taking their full width.
/// Token account: mint 32 ‖ owner 32 ‖ amount u64 ‖ delegate COption&lt;key&gt; 36 ‖ state u8 ‖ is_native
/// COption&lt;u64&gt; 12 ‖ delegated_amount u64 ‖ close_authority COption&lt;key&gt; 36.
/// Mint: mint_authority COption&lt;key&gt; 36 ‖ supply u64 ‖ decimals u8 ‖ is_initialized u8 ‖ freeze_authority COption&lt;key&gt; 36.
/// </summary>
public static class TokenAccountLayout
{
    /// <summary>Returns null when the data is too short or a tag or state byte is invalid.</summary>
    public static TokenAccountData? DecodeAccount(ReadOnlySpan<byte> data)
    {
        if (data.Length < (int)TokenProgram.AccountSize)
        {
            return null;
        }

        var mint = new PublicKey(data[..32]);
        var owner = new PublicKey(data[32..64]);
        var amount = BinaryPrimitives.ReadUInt64LittleEndian(data[64..72]);
        if (!OptionalKey(data[72..108], out var @delegate) || data[108] > (byte)TokenAccountState.Frozen
            || !OptionalU64(data[109..121], out var nativeReserve) || !OptionalKey(data[129..165], out var closeAuthority))
        {
            return null;
        }

        return new TokenAccountData(mint, owner, amount, @delegate, (TokenAccountState)data[108], nativeReserve,
            BinaryPrimitives.ReadUInt64LittleEndian(data[121..129]), closeAuthority);
    }

    /// <summary>Returns null when the data is too short or a tag byte is invalid.</summary>
    public static MintData? DecodeMint(ReadOnlySpan<byte> data)
    {
        if (data.Length < (int)TokenProgram.MintSize || data[45] > 1
            || !OptionalKey(data[..36], out var mintAuthority) || !OptionalKey(data[46..82], out var freezeAuthority))
        {
            return null;
        }

        return new MintData(mintAuthority, BinaryPrimitives.ReadUInt64LittleEndian(data[36..44]), data[44], data[45] == 1, freezeAuthority);
    }

    private static bool OptionalKey(ReadOnlySpan<byte> field, out PublicKey? key)
    {
        key = null;
        switch (BinaryPrimitives.ReadUInt32LittleEndian(field))
        {
            case 0:
                return true;
            case 1:
                key = new PublicKey(field[4..36]);
                return true;
            default:
                return false;
        }
    }

    private static bool OptionalU64(ReadOnlySpan<byte> field, out ulong? value)
    {
        value = null;
        switch (BinaryPrimitives.ReadUInt32LittleEndian(field))
        {
            case 0:
                return true;
            case 1:
                value = BinaryPrimitives.ReadUInt64LittleEndian(field[4..12]);
                return true;
            default:
                return false;
        }
    }
}
