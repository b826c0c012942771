using Org.BouncyCastle.Crypto.Digests;

namespace Clearing.Chains.Evm;

/// <summary>
/// Keccak-256 as Ethereum uses it: the original Keccak padding (0x01), not NIST SHA3-256 (0x06).
/// BouncyCastle's <see cref="KeccakDigest"/> implements exactly that.
/// </summary>
public static class Keccak256
{
    public const int HashLength = 32;

    public static byte[] Hash(ReadOnlySpan<byte> data)
    {
        var digest = new KeccakDigest(256);
        digest.BlockUpdate(data.ToArray(), 0, data.Length);
        var output = new byte[HashLength];
        digest.DoFinal(output, 0);
        return output;
    }

    /// <summary>Keccak-256 of two byte strings one after the other (e.g. a type byte and an RLP payload).</summary>
    public static byte[] Hash(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second)
    {
        var digest = new KeccakDigest(256);
        digest.BlockUpdate(first.ToArray(), 0, first.Length);
        digest.BlockUpdate(second.ToArray(), 0, second.Length);
        var output = new byte[HashLength];
        digest.DoFinal(output, 0);
        return output;
    }

    public static byte[] Hash(string utf8Text) => Hash(System.Text.Encoding.UTF8.GetBytes(utf8Text));
}
