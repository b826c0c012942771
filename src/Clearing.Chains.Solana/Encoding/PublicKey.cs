using System.Security.Cryptography;

namespace Clearing.Chains.Solana.Encoding;

/// <summary>A Solana address: 32 bytes (an Ed25519 public key, or an off-curve program-derived address), shown in base58.</summary>
public readonly struct PublicKey : IEquatable<PublicKey>, IComparable<PublicKey>
{
    public const int Length = 32;

    private const string PdaMarker = "ProgramDerivedAddress";

    /// <summary>Most seeds a program-derived address may have (the bump counts as one).</summary>
    public const int MaxSeeds = 16;

    /// <summary>Longest single seed, in bytes.</summary>
    public const int MaxSeedLength = 32;

    private readonly byte[]? bytes;

    public PublicKey(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Length)
        {
            throw new ArgumentException($"A public key is {Length} bytes, not {bytes.Length}.", nameof(bytes));
        }

        this.bytes = bytes.ToArray();
    }

    /// <summary>The all-zero address, which is also the System Program's id ("11111111111111111111111111111111").</summary>
    public static PublicKey Default => new(new byte[Length]);

    public ReadOnlySpan<byte> Bytes => bytes ?? new byte[Length];

    public byte[] ToByteArray() => Bytes.ToArray();

    /// <summary>True when the bytes decode to a point on edwards25519, i.e. a key that could have a private key.</summary>
    public bool IsOnCurve => Ed25519Curve.IsOnCurve(Bytes);

    public static PublicKey Parse(string base58)
    {
        if (!TryParse(base58, out var key))
        {
            throw new FormatException($"'{base58}' is not a base58 32-byte address.");
        }

        return key;
    }

    public static bool TryParse(string? base58, out PublicKey key)
    {
        key = default;
        if (base58 is null || !Base58.TryDecode(base58, out var decoded) || decoded.Length != Length)
        {
            return false;
        }

        key = new PublicKey(decoded);
        return true;
    }

    /// <summary>
    /// create_program_address: sha256(seed₀ ‖ … ‖ seedₙ ‖ program_id ‖ "ProgramDerivedAddress"), valid only when the
    /// hash is OFF the curve (so no private key can sign for it). Returns false when it lands on the curve.
    /// </summary>
    public static bool TryCreateProgramAddress(IReadOnlyList<byte[]> seeds, PublicKey programId, out PublicKey address)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        if (seeds.Count > MaxSeeds)
        {
            throw new ArgumentException($"At most {MaxSeeds} seeds.", nameof(seeds));
        }

        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var seed in seeds)
        {
            if (seed.Length > MaxSeedLength)
            {
                throw new ArgumentException($"A seed is at most {MaxSeedLength} bytes, not {seed.Length}.", nameof(seeds));
            }

            sha.AppendData(seed);
        }

        sha.AppendData(programId.Bytes);
        sha.AppendData(System.Text.Encoding.ASCII.GetBytes(PdaMarker));
        var hash = sha.GetHashAndReset();
        if (Ed25519Curve.IsOnCurve(hash))
        {
            address = default;
            return false;
        }

        address = new PublicKey(hash);
        return true;
    }

    /// <summary>
    /// find_program_address: the first bump from 255 downward whose seeds ‖ [bump] give an off-curve address.
    /// </summary>
    public static (PublicKey Address, byte Bump) FindProgramAddress(IReadOnlyList<byte[]> seeds, PublicKey programId)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        if (seeds.Count > MaxSeeds - 1)
        {
            throw new ArgumentException($"At most {MaxSeeds - 1} seeds: the bump is the last one.", nameof(seeds));
        }

        var withBump = new List<byte[]>(seeds) { Array.Empty<byte>() };
        for (var bump = 255; bump >= 0; bump--)
        {
            withBump[^1] = [(byte)bump];
            if (TryCreateProgramAddress(withBump, programId, out var address))
            {
                return (address, (byte)bump);
            }
        }

        throw new InvalidOperationException("No bump in 255..0 gives an off-curve program address.");
    }

    /// <summary>Orders by raw bytes (Solana's <c>Pubkey</c> order).</summary>
    public int CompareTo(PublicKey other) => Bytes.SequenceCompareTo(other.Bytes);

    public bool Equals(PublicKey other) => Bytes.SequenceEqual(other.Bytes);

    public override bool Equals(object? obj) => obj is PublicKey other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(Bytes);
        return hash.ToHashCode();
    }

    public override string ToString() => Base58.Encode(Bytes);

    public static bool operator ==(PublicKey left, PublicKey right) => left.Equals(right);

    public static bool operator !=(PublicKey left, PublicKey right) => !left.Equals(right);

    public static bool operator <(PublicKey left, PublicKey right) => left.CompareTo(right) < 0;

    public static bool operator >(PublicKey left, PublicKey right) => left.CompareTo(right) > 0;

    public static bool operator <=(PublicKey left, PublicKey right) => left.CompareTo(right) <= 0;

    public static bool operator >=(PublicKey left, PublicKey right) => left.CompareTo(right) >= 0;
}
