using System.Buffers.Binary;
using System.Text;
using Clearing.Domain.Numerics;

namespace Clearing.Oracles.Sources;

/// <summary>
/// The price account layout Clearing reads on Solana (version 1, 64 bytes, little-endian; README.md has the table):
/// <code>
/// offset size field
///      0    4 magic         ASCII "CLPA" (43 4C 50 41)
///      4    1 version       1
///      5    1 status        1 = trading; anything else (0 = unknown, 2 = halted) is refused
///      6    2 reserved      zero
///      8    4 exponent      i32, -18 ≤ exponent ≤ 0; value = mantissa × 10^exponent USD
///     12    4 reserved      zero
///     16   16 asset         ASCII symbol, NUL-padded (checked against the configured asset)
///     32    8 price         i64 mantissa, &gt; 0
///     40    8 confidence    u64 mantissa, same exponent
///     48    8 publish time  i64 unix seconds
///     56    8 publish slot  u64, the slot the publisher wrote at (informational)
/// </code>
/// Longer accounts are accepted (bytes from 64 on are ignored) so a later version can append fields; a shorter one,
/// another magic or version, non-zero reserved bytes or out-of-range values are refused.
/// </summary>
public sealed record SolanaPriceAccount(string Asset, byte Status, int Exponent, long PriceMantissa, ulong ConfidenceMantissa, long PublishTime, ulong PublishSlot)
{
    public const int Length = 64;
    public const byte CurrentVersion = 1;
    public const byte StatusTrading = 1;
    public const int MaxAssetLength = 16;
    public const int MinExponent = -Fixed.Decimals;

    public static ReadOnlySpan<byte> Magic => "CLPA"u8;

    public Fixed Price => Fixed.FromScaled(PriceMantissa, -Exponent);

    public Fixed Confidence => Fixed.FromScaled(ConfidenceMantissa, -Exponent);

    public byte[] Encode()
    {
        ValidateForEncoding();
        var data = new byte[Length];
        Magic.CopyTo(data);
        data[4] = CurrentVersion;
        data[5] = Status;
        BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(8), Exponent);
        Encoding.ASCII.GetBytes(Asset, data.AsSpan(16, MaxAssetLength));
        BinaryPrimitives.WriteInt64LittleEndian(data.AsSpan(32), PriceMantissa);
        BinaryPrimitives.WriteUInt64LittleEndian(data.AsSpan(40), ConfidenceMantissa);
        BinaryPrimitives.WriteInt64LittleEndian(data.AsSpan(48), PublishTime);
        BinaryPrimitives.WriteUInt64LittleEndian(data.AsSpan(56), PublishSlot);
        return data;
    }

    /// <summary>Decodes and checks the layout; the status is returned as stored (the source refuses non-trading).</summary>
    public static bool TryDecode(ReadOnlySpan<byte> data, out SolanaPriceAccount? account, out string? error)
    {
        account = null;
        if (data.Length < Length)
        {
            error = $"account data is {data.Length} bytes, the layout needs {Length}";
            return false;
        }

        if (!data[..4].SequenceEqual(Magic))
        {
            error = $"magic is {Convert.ToHexString(data[..4])}, expected {Convert.ToHexString(Magic)} (\"CLPA\")";
            return false;
        }

        if (data[4] != CurrentVersion)
        {
            error = $"layout version {data[4]} is not supported (expected {CurrentVersion})";
            return false;
        }

        if (data[6] != 0 || data[7] != 0 || BinaryPrimitives.ReadUInt32LittleEndian(data[12..]) != 0)
        {
            error = "reserved bytes (6..7, 12..15) are not zero";
            return false;
        }

        int exponent = BinaryPrimitives.ReadInt32LittleEndian(data[8..]);
        if (exponent < MinExponent || exponent > 0)
        {
            error = $"exponent {exponent} is outside {MinExponent}..0";
            return false;
        }

        var assetBytes = data.Slice(16, MaxAssetLength);
        int assetLength = assetBytes.IndexOf((byte)0);
        if (assetLength < 0)
        {
            assetLength = MaxAssetLength;
        }

        if (assetLength == 0 || assetBytes[assetLength..].ContainsAnyExcept((byte)0) || !Ascii.IsValid(assetBytes[..assetLength]))
        {
            error = "asset symbol is not a non-empty NUL-padded ASCII string";
            return false;
        }

        account = new SolanaPriceAccount(
            Encoding.ASCII.GetString(assetBytes[..assetLength]),
            data[5],
            exponent,
            BinaryPrimitives.ReadInt64LittleEndian(data[32..]),
            BinaryPrimitives.ReadUInt64LittleEndian(data[40..]),
            BinaryPrimitives.ReadInt64LittleEndian(data[48..]),
            BinaryPrimitives.ReadUInt64LittleEndian(data[56..]));
        error = null;
        return true;
    }

    private void ValidateForEncoding()
    {
        ArgumentException.ThrowIfNullOrEmpty(Asset);
        if (Asset.Length > MaxAssetLength || !Ascii.IsValid(Asset) || Asset.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException($"Asset symbol must be 1..{MaxAssetLength} ASCII characters without NUL.", nameof(Asset));
        }

        if (Exponent < MinExponent || Exponent > 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Exponent), Exponent, $"Exponent must be within {MinExponent}..0.");
        }
    }
}
