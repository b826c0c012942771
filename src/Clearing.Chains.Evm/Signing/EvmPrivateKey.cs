using System.Security.Cryptography;
using Clearing.Chains.Evm.Model;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Signers;
using BigInteger = System.Numerics.BigInteger;

namespace Clearing.Chains.Evm.Signing;

/// <summary>
/// A secp256k1 private key. Signs 32-byte hashes with RFC 6979 deterministic nonces (HMAC-SHA256), normalizes to
/// low S (EIP-2) and reports the recovery id. <see cref="ToString"/> never shows the key.
/// </summary>
public sealed class EvmPrivateKey
{
    private readonly BigInteger secret;

    private EvmPrivateKey(BigInteger secret)
    {
        if (secret.Sign <= 0 || secret >= Secp256k1.N)
        {
            throw new ArgumentException("A secp256k1 private key must lie in [1, n-1].");
        }

        this.secret = secret;
        PublicKey = Secp256k1.PublicKeyFromPrivate(secret);
        Address = Secp256k1.AddressFromPublicKey(PublicKey);
    }

    /// <summary>The 64-byte public key X ‖ Y.</summary>
    public byte[] PublicKey { get; }

    public EvmAddress Address { get; }

    public static EvmPrivateKey FromBytes(ReadOnlySpan<byte> privateKey32)
    {
        if (privateKey32.Length != 32)
        {
            throw new ArgumentException("A private key is 32 bytes.", nameof(privateKey32));
        }

        return new EvmPrivateKey(new BigInteger(privateKey32, isUnsigned: true, isBigEndian: true));
    }

    /// <summary>Parses 64 hex digits, with or without 0x.</summary>
    public static EvmPrivateKey FromHex(string hex)
    {
        var bytes = Hex.Decode(hex);
        return FromBytes(bytes);
    }

    /// <summary>A fresh key from the operating system's CSPRNG, redrawn in the ~2^-128 case that it falls outside [1, n-1].</summary>
    public static EvmPrivateKey Generate()
    {
        Span<byte> candidate = stackalloc byte[32];
        while (true)
        {
            RandomNumberGenerator.Fill(candidate);
            var value = new BigInteger(candidate, isUnsigned: true, isBigEndian: true);
            if (value.Sign > 0 && value < Secp256k1.N)
            {
                return new EvmPrivateKey(value);
            }
        }
    }

    /// <summary>The key as 0x + 64 hex digits, for writing a key file. Never log it.</summary>
    public string ExportHex()
    {
        var bytes = new byte[32];
        secret.ToByteArray(isUnsigned: true, isBigEndian: true).CopyTo(bytes.AsSpan(32 - secret.GetByteCount(isUnsigned: true)));
        return Hex.Encode(bytes);
    }

    /// <summary>Signs a 32-byte hash: RFC 6979 k, low-S, and the recovery id that gives back our public key.</summary>
    public EvmSignature Sign(ReadOnlySpan<byte> hash32)
    {
        if (hash32.Length != 32)
        {
            throw new ArgumentException("Sign a 32-byte hash.", nameof(hash32));
        }

        var signer = new ECDsaSigner(new HMacDsaKCalculator(new Sha256Digest()));
        signer.Init(true, Secp256k1.PrivateKeyParameters(secret));
        var rs = signer.GenerateSignature(hash32.ToArray());
        var r = Secp256k1.ToSystem(rs[0]);
        var s = Secp256k1.ToSystem(rs[1]);
        if (s > Secp256k1.HalfN)
        {
            s = Secp256k1.N - s;
        }

        for (byte recoveryId = 0; recoveryId <= 1; recoveryId++)
        {
            var candidate = new EvmSignature(r, s, recoveryId);
            if (Secp256k1.RecoverPublicKey(hash32, candidate).AsSpan().SequenceEqual(PublicKey))
            {
                return candidate;
            }
        }

        // Only reachable when r ≥ n - (p - n) (recovery ids 2/3), probability ~2^-128; Ethereum cannot encode it.
        throw new CryptographicException("Signature needs a recovery id above 1; not representable in an Ethereum transaction.");
    }

    public override string ToString() => $"EvmPrivateKey({Address})";
}
