namespace Clearing.Chains.Evm.Rlp;

/// <summary>
/// Recursive Length Prefix encoding (Yellow Paper, appendix B). Decoding is strict: it accepts only the one
/// canonical encoding of each item, because two encodings of the same transaction must never both be valid.
/// </summary>
public static class RlpCodec
{
    // Prefix ranges: [0x00,0x7f] one byte is itself; [0x80,0xb7] string of 0-55 bytes; [0xb8,0xbf] long string
    // whose length follows in (prefix - 0xb7) bytes; [0xc0,0xf7] list of 0-55 payload bytes; [0xf8,0xff] long list.
    private const byte ShortStringOffset = 0x80;
    private const byte LongStringOffset = 0xb7;
    private const byte ShortListOffset = 0xc0;
    private const byte LongListOffset = 0xf7;
    private const int ShortPayloadLimit = 55;

    /// <summary>
    /// Deepest list nesting accepted on decode. Every level costs one input byte, so without a limit a hostile
    /// input of a few hundred kilobytes would exhaust the stack; no Ethereum structure nests beyond a handful.
    /// </summary>
    public const int MaxDepth = 64;

    public static byte[] Encode(RlpItem item)
    {
        var output = new List<byte>();
        Write(item, output);
        return [.. output];
    }

    /// <summary>Decodes exactly one item that spans the whole input (no trailing bytes).</summary>
    public static RlpItem Decode(ReadOnlySpan<byte> encoded)
    {
        var (item, consumed) = ReadItem(encoded, depth: 0);
        if (consumed != encoded.Length)
        {
            throw new RlpException($"RLP item is followed by {encoded.Length - consumed} trailing bytes.");
        }

        return item;
    }

    private static void Write(RlpItem item, List<byte> output)
    {
        switch (item)
        {
            case RlpString text:
                var bytes = text.Bytes;
                if (bytes.Length == 1 && bytes[0] < ShortStringOffset)
                {
                    output.Add(bytes[0]);
                    return;
                }

                WriteLength(bytes.Length, ShortStringOffset, LongStringOffset, output);
                output.AddRange(bytes);
                return;
            case RlpList list:
                var payload = new List<byte>();
                foreach (var child in list.Items)
                {
                    Write(child, payload);
                }

                WriteLength(payload.Count, ShortListOffset, LongListOffset, output);
                output.AddRange(payload);
                return;
            default:
                throw new ArgumentException($"Unknown RLP item type {item.GetType().Name}.", nameof(item));
        }
    }

    private static void WriteLength(int length, byte shortOffset, byte longOffset, List<byte> output)
    {
        if (length <= ShortPayloadLimit)
        {
            output.Add((byte)(shortOffset + length));
            return;
        }

        var lengthBytes = BigEndianMinimal((ulong)length);
        output.Add((byte)(longOffset + lengthBytes.Length));
        output.AddRange(lengthBytes);
    }

    private static byte[] BigEndianMinimal(ulong value)
    {
        var count = 0;
        for (var v = value; v != 0; v >>= 8)
        {
            count++;
        }

        var bytes = new byte[count];
        for (var i = count - 1; i >= 0; i--, value >>= 8)
        {
            bytes[i] = (byte)value;
        }

        return bytes;
    }

    private static (RlpItem Item, int Consumed) ReadItem(ReadOnlySpan<byte> input, int depth)
    {
        if (input.IsEmpty)
        {
            throw new RlpException("RLP input ended where an item was expected.");
        }

        var prefix = input[0];
        if (prefix < ShortStringOffset)
        {
            return (new RlpString([prefix]), 1);
        }

        if (prefix < ShortListOffset)
        {
            var (headerLength, payloadLength) = ReadHeader(input, prefix, ShortStringOffset, LongStringOffset);
            var payload = input.Slice(headerLength, payloadLength);
            if (payloadLength == 1 && payload[0] < ShortStringOffset)
            {
                throw new RlpException("A single byte below 0x80 must be encoded as itself, not wrapped in a string header.");
            }

            return (new RlpString(payload.ToArray()), headerLength + payloadLength);
        }

        if (depth >= MaxDepth)
        {
            throw new RlpException($"RLP lists nested deeper than {MaxDepth} levels.");
        }

        var (listHeaderLength, listPayloadLength) = ReadHeader(input, prefix, ShortListOffset, LongListOffset);
        var listPayload = input.Slice(listHeaderLength, listPayloadLength);
        var items = new List<RlpItem>();
        while (!listPayload.IsEmpty)
        {
            var (child, consumed) = ReadItem(listPayload, depth + 1);
            items.Add(child);
            listPayload = listPayload[consumed..];
        }

        return (new RlpList(items), listHeaderLength + listPayloadLength);
    }

    private static (int HeaderLength, int PayloadLength) ReadHeader(ReadOnlySpan<byte> input, byte prefix, byte shortOffset, byte longOffset)
    {
        int headerLength;
        ulong payloadLength;
        if (prefix <= longOffset)
        {
            headerLength = 1;
            payloadLength = (ulong)(prefix - shortOffset);
        }
        else
        {
            var lengthOfLength = prefix - longOffset;
            if (input.Length < 1 + lengthOfLength)
            {
                throw new RlpException("RLP input ended inside a length field.");
            }

            var lengthBytes = input.Slice(1, lengthOfLength);
            if (lengthBytes[0] == 0)
            {
                throw new RlpException("RLP length field has leading zeros.");
            }

            if (lengthOfLength > 4)
            {
                throw new RlpException("RLP length does not fit 32 bits.");
            }

            payloadLength = 0;
            foreach (var b in lengthBytes)
            {
                payloadLength = (payloadLength << 8) | b;
            }

            if (payloadLength <= ShortPayloadLimit)
            {
                throw new RlpException("RLP long-form length used for a payload of 55 bytes or fewer.");
            }

            headerLength = 1 + lengthOfLength;
        }

        if ((ulong)(input.Length - headerLength) < payloadLength)
        {
            throw new RlpException($"RLP item declares {payloadLength} payload bytes but only {input.Length - headerLength} remain.");
        }

        return (headerLength, (int)payloadLength);
    }
}
