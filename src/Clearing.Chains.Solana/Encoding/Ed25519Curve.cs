using System.Numerics;

namespace Clearing.Chains.Solana.Encoding;

/// <summary>
/// Whether 32 bytes are the compressed encoding of a point on edwards25519 (RFC 8032 §5.1.3 point decoding).
/// BouncyCastle's Ed25519 exposes no such check, and program-derived addresses must be OFF the curve.
/// </summary>
/// <remarks>
/// Follows curve25519-dalek's <c>CompressedEdwardsY::decompress</c>, which the Solana runtime runs for
/// <c>create_program_address</c>, where it differs from RFC 8032's strict decoding: y is reduced modulo p rather
/// than rejected when ≥ p, and the sign bit is not checked against x = 0. Agreeing with the runtime is what
/// makes our PDAs the chain's PDAs.
/// </remarks>
public static class Ed25519Curve
{
    /// <summary>p = 2^255 − 19.</summary>
    private static readonly BigInteger P = (BigInteger.One << 255) - 19;

    /// <summary>d = −121665 / 121666 mod p.</summary>
    private static readonly BigInteger D = Mod(-121665 * BigInteger.ModPow(121666, P - 2, P));

    public static bool IsOnCurve(ReadOnlySpan<byte> compressedPoint)
    {
        if (compressedPoint.Length != 32)
        {
            return false;
        }

        Span<byte> yBytes = stackalloc byte[32];
        compressedPoint.CopyTo(yBytes);
        yBytes[31] &= 0x7f; // bit 255 is the sign of x, not part of y
        var y = Mod(new BigInteger(yBytes, isUnsigned: true, isBigEndian: false));

        // x² = (y² − 1) / (d y² + 1) = u / v
        var ySquared = y * y % P;
        var u = Mod(ySquared - 1);
        var v = Mod((D * ySquared) + 1);

        // Candidate root x = u v³ (u v⁷)^((p − 5) / 8) (RFC 8032 §5.1.3 step 2).
        var v3 = BigInteger.ModPow(v, 3, P);
        var v7 = BigInteger.ModPow(v, 7, P);
        var x = u * v3 % P * BigInteger.ModPow(u * v7 % P, (P - 5) / 8, P) % P;

        var vxSquared = v * x % P * x % P;
        if (vxSquared == u)
        {
            return true;
        }

        // v x² = −u: the root is x · sqrt(−1) (step 3), so a point exists; any other value means u / v is not a
        // square and no x exists. Only existence matters here, so the root itself is not computed.
        return vxSquared == Mod(-u);
    }

    private static BigInteger Mod(BigInteger value)
    {
        var r = value % P;
        return r.Sign < 0 ? r + P : r;
    }
}
