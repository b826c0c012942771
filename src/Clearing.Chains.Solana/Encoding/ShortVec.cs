namespace Clearing.Chains.Solana.Encoding;

/// <summary>
/// Solana's short-vec length prefix ("compact-u16"): a u16 written 7 bits at a time, least significant group first,
/// the high bit of each byte saying another byte follows; at most 3 bytes. Only the shortest encoding is valid
/// (the runtime rejects aliases such as 0x80 0x00 for 0), and a value above 0xffff is an error.
/// </summary>
public static class ShortVec
{
    /// <summary>The most bytes a short-vec length can take (0xffff needs 7 + 7 + 2 bits).</summary>
    public const int MaxEncodedLength = 3;

    public static int EncodedLength(int value)
    {
        ValidateRange(value);
        return value < 0x80 ? 1 : value < 0x4000 ? 2 : 3;
    }

    public static byte[] Encode(int value)
    {
        var buffer = new byte[EncodedLength(value)];
        Write(buffer, value);
        return buffer;
    }

    /// <summary>Writes <paramref name="value"/> into <paramref name="destination"/> and returns the number of bytes written.</summary>
    public static int Write(Span<byte> destination, int value)
    {
        ValidateRange(value);
        var remaining = value;
        var written = 0;
        while (true)
        {
            var group = remaining & 0x7f;
            remaining >>= 7;
            if (remaining == 0)
            {
                destination[written++] = (byte)group;
                return written;
            }

            destination[written++] = (byte)(group | 0x80);
        }
    }

    public static void Write(Stream destination, int value)
    {
        Span<byte> buffer = stackalloc byte[MaxEncodedLength];
        var length = Write(buffer, value);
        destination.Write(buffer[..length]);
    }

    /// <summary>
    /// Reads a short-vec length from the start of <paramref name="source"/>.
    /// Throws <see cref="FormatException"/> on a truncated, non-canonical or out-of-range encoding.
    /// </summary>
    public static int Decode(ReadOnlySpan<byte> source, out int bytesRead)
    {
        var value = 0;
        for (var i = 0; i < MaxEncodedLength; i++)
        {
            if (i >= source.Length)
            {
                throw new FormatException("short-vec: input ends inside the length prefix.");
            }

            var b = source[i];
            var group = b & 0x7f;
            if (i > 0 && b == 0)
            {
                // A trailing zero group adds nothing: a shorter encoding of the same value exists.
                throw new FormatException("short-vec: non-canonical encoding (trailing zero byte).");
            }

            if (i == MaxEncodedLength - 1 && (b & 0x80) != 0)
            {
                throw new FormatException("short-vec: more than 3 bytes.");
            }

            value |= group << (7 * i);
            if ((b & 0x80) == 0)
            {
                if (value > ushort.MaxValue)
                {
                    throw new FormatException("short-vec: value exceeds u16.");
                }

                bytesRead = i + 1;
                return value;
            }
        }

        throw new FormatException("short-vec: more than 3 bytes.");
    }

    private static void ValidateRange(int value)
    {
        if (value is < 0 or > ushort.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "A short-vec length is a u16 (0..65535).");
        }
    }
}
