using System.Text;

namespace Clearing.Chains.Solana.Encoding;

/// <summary>
/// Base58 with the Bitcoin alphabet, as Solana uses for addresses, blockhashes and signatures.
/// Each leading zero byte is written as one leading '1' (the alphabet's zero digit) and read back the same way,
/// so the byte length survives the round trip.
/// </summary>
public static class Base58
{
    private const string Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

    private static readonly sbyte[] DigitOf = BuildDigitTable();

    public static string Encode(ReadOnlySpan<byte> bytes)
    {
        var leadingZeros = 0;
        while (leadingZeros < bytes.Length && bytes[leadingZeros] == 0)
        {
            leadingZeros++;
        }

        // log(256) / log(58) ≈ 1.366: an upper bound on the number of base-58 digits.
        var digits = new byte[((bytes.Length - leadingZeros) * 138 / 100) + 1];
        var digitCount = 0;
        for (var i = leadingZeros; i < bytes.Length; i++)
        {
            var carry = (int)bytes[i];
            for (var j = 0; j < digitCount; j++)
            {
                carry += digits[j] << 8;
                digits[j] = (byte)(carry % 58);
                carry /= 58;
            }

            while (carry > 0)
            {
                digits[digitCount++] = (byte)(carry % 58);
                carry /= 58;
            }
        }

        var text = new StringBuilder(leadingZeros + digitCount);
        text.Append('1', leadingZeros);
        for (var j = digitCount - 1; j >= 0; j--)
        {
            text.Append(Alphabet[digits[j]]);
        }

        return text.ToString();
    }

    /// <summary>Decodes base58 text; throws <see cref="FormatException"/> on a character outside the alphabet.</summary>
    public static byte[] Decode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!TryDecode(text, out var bytes))
        {
            throw new FormatException("Not base58: the text holds a character outside the Bitcoin alphabet.");
        }

        return bytes;
    }

    public static bool TryDecode(string text, out byte[] bytes)
    {
        bytes = [];
        var leadingOnes = 0;
        while (leadingOnes < text.Length && text[leadingOnes] == '1')
        {
            leadingOnes++;
        }

        // log(58) / log(256) ≈ 0.733: an upper bound on the number of bytes.
        var value = new byte[((text.Length - leadingOnes) * 733 / 1000) + 1];
        var byteCount = 0;
        for (var i = leadingOnes; i < text.Length; i++)
        {
            var c = text[i];
            var digit = c < 128 ? DigitOf[c] : (sbyte)-1;
            if (digit < 0)
            {
                return false;
            }

            var carry = (int)digit;
            for (var j = 0; j < byteCount; j++)
            {
                carry += value[j] * 58;
                value[j] = (byte)carry;
                carry >>= 8;
            }

            while (carry > 0)
            {
                value[byteCount++] = (byte)carry;
                carry >>= 8;
            }
        }

        bytes = new byte[leadingOnes + byteCount];
        for (var j = 0; j < byteCount; j++)
        {
            bytes[leadingOnes + j] = value[byteCount - 1 - j];
        }

        return true;
    }

    private static sbyte[] BuildDigitTable()
    {
        var table = new sbyte[128];
        Array.Fill(table, (sbyte)-1);
        for (var i = 0; i < Alphabet.Length; i++)
        {
            table[Alphabet[i]] = (sbyte)i;
        }

        return table;
    }
}
