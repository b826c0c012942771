using System.Buffers.Binary;
using Clearing.Chains.Solana.Encoding;

namespace Clearing.Chains.Solana.Programs;

/// <summary>Little-endian reads and writes of instruction data, the layout every program here uses.</summary>
internal sealed class InstructionDataWriter
{
    private readonly List<byte> bytes = [];

    public InstructionDataWriter U8(byte value)
    {
        bytes.Add(value);
        return this;
    }

    public InstructionDataWriter U32(uint value)
    {
        Span<byte> buffer = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(buffer, value);
        bytes.AddRange(buffer);
        return this;
    }

    public InstructionDataWriter U64(ulong value)
    {
        Span<byte> buffer = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(buffer, value);
        bytes.AddRange(buffer);
        return this;
    }

    public InstructionDataWriter Key(PublicKey key)
    {
        bytes.AddRange(key.Bytes);
        return this;
    }

    public byte[] ToArray() => [.. bytes];
}

/// <summary>Reads instruction data; every read returns false instead of throwing when the data is too short.</summary>
internal ref struct InstructionDataReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> data = data;
    private int position;

    public readonly bool AtEnd => position == data.Length;

    public bool U8(out byte value)
    {
        value = 0;
        if (data.Length - position < 1)
        {
            return false;
        }

        value = data[position++];
        return true;
    }

    public bool U32(out uint value)
    {
        value = 0;
        if (data.Length - position < 4)
        {
            return false;
        }

        value = BinaryPrimitives.ReadUInt32LittleEndian(data[position..]);
        position += 4;
        return true;
    }

    public bool U64(out ulong value)
    {
        value = 0;
        if (data.Length - position < 8)
        {
            return false;
        }

        value = BinaryPrimitives.ReadUInt64LittleEndian(data[position..]);
        position += 8;
        return true;
    }

    public bool Key(out PublicKey key)
    {
        key = default;
        if (data.Length - position < PublicKey.Length)
        {
            return false;
        }

        key = new PublicKey(data.Slice(position, PublicKey.Length));
        position += PublicKey.Length;
        return true;
    }
}
