namespace Clearing.Chains.Evm.Model;

/// <summary>A 32-byte hash (block, transaction, topic) with value equality; printed as 0x + 64 lower-case digits.</summary>
public readonly struct Hash32 : IEquatable<Hash32>
{
    public const int Length = 32;

    private readonly byte[]? bytes;

    private Hash32(byte[] bytes) => this.bytes = bytes;

    public ReadOnlySpan<byte> Bytes => bytes ?? new byte[Length];

    public static Hash32 FromBytes(ReadOnlySpan<byte> value)
    {
        if (value.Length != Length)
        {
            throw new ArgumentException($"A hash is {Length} bytes, got {value.Length}.", nameof(value));
        }

        return new Hash32(value.ToArray());
    }

    public static Hash32 Parse(string hex)
    {
        ArgumentNullException.ThrowIfNull(hex);
        if (hex.Length != 2 + 2 * Length || !hex.StartsWith("0x", StringComparison.Ordinal))
        {
            throw new FormatException($"A hash is 0x followed by 64 hex digits: '{hex}'.");
        }

        return new Hash32(Hex.Decode(hex));
    }

    public byte[] ToArray() => Bytes.ToArray();

    public override string ToString() => Hex.Encode(Bytes);

    public bool Equals(Hash32 other) => Bytes.SequenceEqual(other.Bytes);

    public override bool Equals(object? obj) => obj is Hash32 other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(Bytes);
        return hash.ToHashCode();
    }

    public static bool operator ==(Hash32 left, Hash32 right) => left.Equals(right);

    public static bool operator !=(Hash32 left, Hash32 right) => !left.Equals(right);
}
