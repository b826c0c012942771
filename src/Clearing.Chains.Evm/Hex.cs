using System.Numerics;

namespace Clearing.Chains.Evm;

/// <summary>
/// Hex as Ethereum writes it: byte strings as "0x" + two lower-case digits per byte, and JSON-RPC
/// quantities as "0x" + the shortest digits (no leading zeros, "0x0" for zero), per the execution-apis spec.
/// </summary>
public static class Hex
{
    /// <summary>"0x" followed by two lower-case digits per byte.</summary>
    public static string Encode(ReadOnlySpan<byte> bytes) => "0x" + Convert.ToHexStringLower(bytes);

    /// <summary>
    /// Parses a byte string with or without "0x". Refuses odd digit counts and non-hex characters, because a
    /// silently padded or truncated byte string changes what gets signed or credited.
    /// </summary>
    public static byte[] Decode(string hex)
    {
        ArgumentNullException.ThrowIfNull(hex);
        var digits = hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? hex.AsSpan(2) : hex.AsSpan();
        if (digits.Length % 2 != 0)
        {
            throw new FormatException($"Hex byte string has an odd number of digits: '{Shorten(hex)}'.");
        }

        foreach (var c in digits)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                throw new FormatException($"Not a hex byte string: '{Shorten(hex)}'.");
            }
        }

        return Convert.FromHexString(digits);
    }

    /// <summary>A JSON-RPC quantity: "0x0" for zero, otherwise "0x" and the digits without leading zeros.</summary>
    public static string EncodeQuantity(BigInteger value)
    {
        if (value.Sign < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(value), "Quantities are unsigned.");
        }

        if (value.IsZero)
        {
            return "0x0";
        }

        var digits = Convert.ToHexStringLower(value.ToByteArray(isUnsigned: true, isBigEndian: true)).TrimStart('0');
        return "0x" + digits;
    }

    /// <summary>
    /// Parses a JSON-RPC quantity strictly: "0x" prefix required, at least one digit, no leading zeros
    /// (except "0x0" itself), hex digits only.
    /// </summary>
    public static BigInteger DecodeQuantity(string quantity)
    {
        ArgumentNullException.ThrowIfNull(quantity);
        if (!quantity.StartsWith("0x", StringComparison.Ordinal) || quantity.Length < 3)
        {
            throw new FormatException($"Quantity must start with 0x and hold at least one digit: '{Shorten(quantity)}'.");
        }

        var digits = quantity.AsSpan(2);
        if (digits.Length > 1 && digits[0] == '0')
        {
            throw new FormatException($"Quantity has leading zeros: '{Shorten(quantity)}'.");
        }

        foreach (var c in digits)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                throw new FormatException($"Quantity is not hex: '{Shorten(quantity)}'.");
            }
        }

        var padded = digits.Length % 2 == 0 ? digits.ToString() : "0" + digits.ToString();
        return new BigInteger(Convert.FromHexString(padded), isUnsigned: true, isBigEndian: true);
    }

    /// <summary>A quantity that must fit 64 bits (block numbers, nonces, gas).</summary>
    public static ulong DecodeQuantityUInt64(string quantity)
    {
        var value = DecodeQuantity(quantity);
        if (value > ulong.MaxValue)
        {
            throw new FormatException($"Quantity does not fit 64 bits: '{Shorten(quantity)}'.");
        }

        return (ulong)value;
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "…";
}
