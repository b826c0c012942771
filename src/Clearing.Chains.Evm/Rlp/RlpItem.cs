using System.Numerics;

namespace Clearing.Chains.Evm.Rlp;

/// <summary>An RLP item: a byte string or a list of items (Yellow Paper, appendix B).</summary>
public abstract class RlpItem
{
    /// <summary>This item as a byte string; throws <see cref="RlpException"/> if it is a list.</summary>
    public RlpString AsString() => this as RlpString ?? throw new RlpException("Expected an RLP byte string, found a list.");

    /// <summary>This item as a list; throws <see cref="RlpException"/> if it is a byte string.</summary>
    public RlpList AsList() => this as RlpList ?? throw new RlpException("Expected an RLP list, found a byte string.");
}

/// <summary>An RLP byte string. Scalars are byte strings holding the big-endian value without leading zeros.</summary>
public sealed class RlpString : RlpItem
{
    public static readonly RlpString Empty = new([]);

    private readonly byte[] bytes;

    public RlpString(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        this.bytes = bytes;
    }

    public ReadOnlySpan<byte> Bytes => bytes;

    public byte[] ToArray() => (byte[])bytes.Clone();

    /// <summary>
    /// A scalar as RLP wants it: "a positive integer … represented in big-endian binary form with no leading
    /// zeroes" (Yellow Paper, appendix B), so zero is the empty byte string.
    /// </summary>
    public static RlpString FromUInt(BigInteger value)
    {
        if (value.Sign < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(value), "RLP scalars are non-negative.");
        }

        return value.IsZero ? Empty : new RlpString(value.ToByteArray(isUnsigned: true, isBigEndian: true));
    }

    public static RlpString FromUInt(ulong value) => FromUInt(new BigInteger(value));

    /// <summary>Reads a scalar, refusing leading zero bytes (a non-canonical encoding of the same number).</summary>
    public BigInteger ToUInt()
    {
        if (bytes.Length > 0 && bytes[0] == 0)
        {
            throw new RlpException("RLP scalar has leading zero bytes.");
        }

        return new BigInteger(bytes, isUnsigned: true, isBigEndian: true);
    }

    /// <summary>Reads a scalar that must fit 256 bits (every EVM word-sized field).</summary>
    public BigInteger ToUInt256()
    {
        if (bytes.Length > 32)
        {
            throw new RlpException("RLP scalar is longer than 256 bits.");
        }

        return ToUInt();
    }

    public ulong ToUInt64()
    {
        if (bytes.Length > 8)
        {
            throw new RlpException("RLP scalar is longer than 64 bits.");
        }

        return (ulong)ToUInt();
    }
}

/// <summary>An RLP list.</summary>
public sealed class RlpList(IReadOnlyList<RlpItem> items) : RlpItem
{
    public IReadOnlyList<RlpItem> Items { get; } = items ?? throw new ArgumentNullException(nameof(items));

    public int Count => Items.Count;

    public RlpItem this[int index] => Items[index];

    public static RlpList Of(params RlpItem[] items) => new(items);
}

/// <summary>A malformed or non-canonical RLP encoding.</summary>
public sealed class RlpException(string message) : FormatException(message);
