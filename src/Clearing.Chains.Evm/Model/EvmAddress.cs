namespace Clearing.Chains.Evm.Model;

/// <summary>A 20-byte account address. Printed EIP-55 checksummed; parsed strictly.</summary>
public readonly struct EvmAddress : IEquatable<EvmAddress>
{
    public const int Length = 20;

    private readonly byte[]? bytes;

    private EvmAddress(byte[] bytes) => this.bytes = bytes;

    public static EvmAddress Zero { get; } = new(new byte[Length]);

    public ReadOnlySpan<byte> Bytes => bytes ?? new byte[Length];

    public bool IsZero => Bytes.IndexOfAnyExcept((byte)0) < 0;

    public static EvmAddress FromBytes(ReadOnlySpan<byte> value)
    {
        if (value.Length != Length)
        {
            throw new ArgumentException($"An address is {Length} bytes, got {value.Length}.", nameof(value));
        }

        return new EvmAddress(value.ToArray());
    }

    /// <summary>
    /// Parses "0x" + 40 hex digits. All-lower and all-upper case are accepted as unchecksummed; mixed case must
    /// be a correct EIP-55 checksum, so a mistyped address is refused instead of silently used.
    /// </summary>
    public static EvmAddress Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length != 2 + 2 * Length || !text.StartsWith("0x", StringComparison.Ordinal))
        {
            throw new FormatException($"An address is 0x followed by 40 hex digits: '{text}'.");
        }

        var address = FromBytes(Hex.Decode(text));
        var digits = text.AsSpan(2);
        var hasLower = digits.IndexOfAnyInRange('a', 'f') >= 0;
        var hasUpper = digits.IndexOfAnyInRange('A', 'F') >= 0;
        if (hasLower && hasUpper && !string.Equals(address.ToChecksumString(), text, StringComparison.Ordinal))
        {
            throw new FormatException($"Address has a wrong EIP-55 checksum: '{text}'.");
        }

        return address;
    }

    public static bool TryParse(string? text, out EvmAddress address)
    {
        address = default;
        if (text is null)
        {
            return false;
        }

        try
        {
            address = Parse(text);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>
    /// EIP-55: hash the lower-case hex digits (as ASCII) with Keccak-256; a letter digit is upper case when the
    /// matching nibble of the hash is 8 or more.
    /// </summary>
    public string ToChecksumString()
    {
        var lower = Convert.ToHexStringLower(Bytes);
        var hash = Keccak256.Hash(System.Text.Encoding.ASCII.GetBytes(lower));
        var result = new char[2 + lower.Length];
        result[0] = '0';
        result[1] = 'x';
        for (var i = 0; i < lower.Length; i++)
        {
            var nibble = (i % 2 == 0 ? hash[i / 2] >> 4 : hash[i / 2]) & 0x0f;
            result[2 + i] = nibble >= 8 ? char.ToUpperInvariant(lower[i]) : lower[i];
        }

        return new string(result);
    }

    public string ToLowerHex() => Hex.Encode(Bytes);

    public override string ToString() => ToChecksumString();

    public bool Equals(EvmAddress other) => Bytes.SequenceEqual(other.Bytes);

    public override bool Equals(object? obj) => obj is EvmAddress other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(Bytes);
        return hash.ToHashCode();
    }

    public static bool operator ==(EvmAddress left, EvmAddress right) => left.Equals(right);

    public static bool operator !=(EvmAddress left, EvmAddress right) => !left.Equals(right);
}
