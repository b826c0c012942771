using System.Security.Cryptography;
using Clearing.Chains.Solana.Encoding;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;

namespace Clearing.Chains.Solana.Signing;

/// <summary>
/// An Ed25519 keypair (RFC 8032): a 32-byte secret seed and the public key derived from it.
/// The seed never appears in <see cref="ToString"/>.
/// </summary>
public sealed class Keypair
{
    public const int SeedLength = 32;

    public const int SignatureLength = 64;

    private readonly Ed25519PrivateKeyParameters privateKey;

    private Keypair(Ed25519PrivateKeyParameters privateKey)
    {
        this.privateKey = privateKey;
        PublicKey = new PublicKey(privateKey.GeneratePublicKey().GetEncoded());
    }

    public PublicKey PublicKey { get; }

    /// <summary>A new keypair from the operating system's cryptographic random source.</summary>
    public static Keypair Generate() => FromSeed(RandomNumberGenerator.GetBytes(SeedLength));

    public static Keypair FromSeed(ReadOnlySpan<byte> seed)
    {
        if (seed.Length != SeedLength)
        {
            throw new ArgumentException($"An Ed25519 seed is {SeedLength} bytes, not {seed.Length}.", nameof(seed));
        }

        return new Keypair(new Ed25519PrivateKeyParameters(seed.ToArray(), 0));
    }

    /// <summary>The 32-byte secret seed. Callers own the copy: keep it out of logs.</summary>
    public byte[] ExportSeed() => privateKey.GetEncoded();

    /// <summary>Solana's 64-byte secret key layout: seed ‖ public key (the CLI key file and kit's createKeyPairFromBytes).</summary>
    public byte[] ExportSecretKey() => [.. privateKey.GetEncoded(), .. PublicKey.Bytes];

    /// <summary>Reads seed ‖ public key, refusing a file whose public half does not belong to its seed.</summary>
    public static Keypair FromSecretKey(ReadOnlySpan<byte> secretKey)
    {
        if (secretKey.Length != SeedLength + PublicKey.Length)
        {
            throw new ArgumentException($"A Solana secret key is {SeedLength + PublicKey.Length} bytes, not {secretKey.Length}.", nameof(secretKey));
        }

        var keypair = FromSeed(secretKey[..SeedLength]);
        if (!keypair.PublicKey.Bytes.SequenceEqual(secretKey[SeedLength..]))
        {
            throw new ArgumentException("The public half of the secret key does not match its seed.", nameof(secretKey));
        }

        return keypair;
    }

    /// <summary>Pure Ed25519 signature (RFC 8032 §5.1.6) over <paramref name="message"/>: 64 bytes.</summary>
    public byte[] Sign(ReadOnlySpan<byte> message)
    {
        var signer = new Ed25519Signer();
        signer.Init(true, privateKey);
        var data = message.ToArray();
        signer.BlockUpdate(data, 0, data.Length);
        return signer.GenerateSignature();
    }

    public static bool Verify(PublicKey publicKey, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        if (signature.Length != SignatureLength)
        {
            return false;
        }

        var verifier = new Ed25519Signer();
        verifier.Init(false, new Ed25519PublicKeyParameters(publicKey.ToByteArray(), 0));
        var data = message.ToArray();
        verifier.BlockUpdate(data, 0, data.Length);
        return verifier.VerifySignature(signature.ToArray());
    }

    public override string ToString() => $"Keypair({PublicKey})";
}
