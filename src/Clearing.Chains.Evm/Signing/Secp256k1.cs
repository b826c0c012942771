using Clearing.Chains.Evm.Model;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto.EC;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math.EC;
using BcBigInteger = Org.BouncyCastle.Math.BigInteger;
using BigInteger = System.Numerics.BigInteger;

namespace Clearing.Chains.Evm.Signing;

/// <summary>The secp256k1 curve operations Ethereum needs: public keys, addresses and signer recovery (ecrecover).</summary>
public static class Secp256k1
{
    private static readonly X9ECParameters Curve = CustomNamedCurves.GetByName("secp256k1");

    internal static readonly ECDomainParameters Domain = new(Curve.Curve, Curve.G, Curve.N, Curve.H);

    /// <summary>The group order n.</summary>
    public static BigInteger N { get; } = ToSystem(Curve.N);

    /// <summary>n / 2: EIP-2 refuses signatures with s above it, so ours are normalized below it.</summary>
    public static BigInteger HalfN { get; } = N >> 1;

    /// <summary>The 64-byte public key X ‖ Y (the uncompressed SEC1 form without its 0x04 prefix).</summary>
    public static byte[] PublicKeyFromPrivate(BigInteger privateKey)
    {
        var point = Domain.G.Multiply(ToBouncy(privateKey)).Normalize();
        return point.GetEncoded(false)[1..];
    }

    /// <summary>The address of a public key: the last 20 bytes of Keccak-256(X ‖ Y) (Yellow Paper, eq. 284).</summary>
    public static EvmAddress AddressFromPublicKey(ReadOnlySpan<byte> publicKey64)
    {
        if (publicKey64.Length != 64)
        {
            throw new ArgumentException("A public key here is 64 bytes (X ‖ Y).", nameof(publicKey64));
        }

        return EvmAddress.FromBytes(Keccak256.Hash(publicKey64)[12..]);
    }

    /// <summary>
    /// Recovers the 64-byte public key that produced <paramref name="signature"/> over the 32-byte
    /// <paramref name="hash"/> (SEC 1 v2, §4.1.6): R = the curve point with x = r and y parity = recovery id,
    /// Q = r⁻¹ (s·R − e·G).
    /// </summary>
    public static byte[] RecoverPublicKey(ReadOnlySpan<byte> hash, EvmSignature signature)
    {
        if (hash.Length != 32)
        {
            throw new ArgumentException("The signed hash is 32 bytes.", nameof(hash));
        }

        if (signature.R.Sign <= 0 || signature.R >= N || signature.S.Sign <= 0 || signature.S >= N)
        {
            throw new ArgumentException("Signature r and s must lie in [1, n-1].", nameof(signature));
        }

        if (signature.RecoveryId > 1)
        {
            // Ids 2 and 3 (x = r + n) occur with probability ~2^-128 and Ethereum transactions cannot carry them.
            throw new ArgumentException("Recovery id must be 0 or 1.", nameof(signature));
        }

        var r = ToBouncy(signature.R);
        var encodedR = new byte[33];
        encodedR[0] = (byte)(0x02 + signature.RecoveryId);
        signature.R.ToByteArray(isUnsigned: true, isBigEndian: true).CopyTo(encodedR.AsSpan(33 - signature.R.GetByteCount(isUnsigned: true)));
        ECPoint pointR;
        try
        {
            pointR = Domain.Curve.DecodePoint(encodedR);
        }
        catch (ArgumentException)
        {
            throw new ArgumentException("Signature r is not the x coordinate of a curve point.", nameof(signature));
        }

        var e = new BcBigInteger(1, hash.ToArray());
        var rInverse = r.ModInverse(Domain.N);
        var eFactor = e.Negate().Multiply(rInverse).Mod(Domain.N);
        var sFactor = ToBouncy(signature.S).Multiply(rInverse).Mod(Domain.N);
        var q = ECAlgorithms.SumOfTwoMultiplies(Domain.G, eFactor, pointR, sFactor).Normalize();
        if (q.IsInfinity)
        {
            throw new ArgumentException("Signature recovers the point at infinity.", nameof(signature));
        }

        return q.GetEncoded(false)[1..];
    }

    /// <summary>ecrecover: the address that signed <paramref name="hash"/>.</summary>
    public static EvmAddress RecoverAddress(ReadOnlySpan<byte> hash, EvmSignature signature) =>
        AddressFromPublicKey(RecoverPublicKey(hash, signature));

    internal static BcBigInteger ToBouncy(BigInteger value) =>
        new(1, value.ToByteArray(isUnsigned: true, isBigEndian: true));

    internal static BigInteger ToSystem(BcBigInteger value) =>
        new(value.ToByteArrayUnsigned(), isUnsigned: true, isBigEndian: true);

    internal static ECPrivateKeyParameters PrivateKeyParameters(BigInteger privateKey) => new(ToBouncy(privateKey), Domain);
}
