using Clearing.Chains.Solana.Encoding;
using Clearing.Chains.Solana.Signing;

namespace Clearing.Chains.Solana.Builders;

/// <summary>
/// A transaction on the wire: short-vec count of 64-byte signatures (one per required signer, in the message's
/// signer order; all zero bytes where not yet signed) ‖ the serialized message.
/// </summary>
public sealed class Transaction
{
    public Transaction(IReadOnlyList<byte[]> signatures, Message message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (signatures.Count != message.Header.NumRequiredSignatures || signatures.Any(s => s.Length != Keypair.SignatureLength))
        {
            throw new ArgumentException(
                $"The message needs {message.Header.NumRequiredSignatures} signatures of {Keypair.SignatureLength} bytes.",
                nameof(signatures));
        }

        Signatures = signatures;
        Message = message;
    }

    public IReadOnlyList<byte[]> Signatures { get; }

    public Message Message { get; }

    /// <summary>The transaction id: base58 of the fee payer's signature.</summary>
    public string Id => Base58.Encode(Signatures[0]);

    public bool IsFullySigned => Signatures.All(s => s.Any(b => b != 0));

    /// <summary>
    /// Signs <paramref name="message"/> with every keypair it requires; throws if one is missing or a keypair is not
    /// a signer of the message (a stray key would mean the caller built the wrong message).
    /// </summary>
    public static Transaction Sign(Message message, params Keypair[] signers) =>
        Unsigned(message).AddSignatures(signers, requireAll: true);

    /// <summary>A transaction with zeroed signatures, to be signed later (possibly by several parties).</summary>
    public static Transaction Unsigned(Message message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return new Transaction(
            [.. Enumerable.Range(0, message.Header.NumRequiredSignatures).Select(_ => new byte[Keypair.SignatureLength])],
            message);
    }

    /// <summary>Adds the signatures of <paramref name="signers"/>, keeping the ones already present.</summary>
    public Transaction PartiallySign(params Keypair[] signers) => AddSignatures(signers, requireAll: false);

    /// <summary>Whether every non-empty signature verifies against its signer and the message bytes.</summary>
    public bool VerifySignatures()
    {
        var messageBytes = Message.Serialize();
        var signerKeys = Message.Signers;
        return Signatures.Select((s, i) => s.All(b => b == 0) || Keypair.Verify(signerKeys[i], messageBytes, s)).All(ok => ok);
    }

    public byte[] Serialize()
    {
        using var output = new MemoryStream();
        ShortVec.Write(output, Signatures.Count);
        foreach (var signature in Signatures)
        {
            output.Write(signature);
        }

        output.Write(Message.Serialize());
        return output.ToArray();
    }

    public string ToBase64() => Convert.ToBase64String(Serialize());

    public string ToBase58() => Base58.Encode(Serialize());

    public static Transaction Deserialize(ReadOnlySpan<byte> bytes)
    {
        var reader = new SpanReader(bytes);
        var count = reader.ReadShortVec();
        var signatures = new byte[count][];
        for (var i = 0; i < count; i++)
        {
            signatures[i] = reader.ReadBytes(Keypair.SignatureLength).ToArray();
        }

        var message = Message.Read(ref reader);
        if (!reader.AtEnd)
        {
            throw new FormatException("Trailing bytes after the transaction.");
        }

        try
        {
            return new Transaction(signatures, message);
        }
        catch (ArgumentException e)
        {
            throw new FormatException(e.Message, e);
        }
    }

    public static Transaction FromBase64(string base64) => Deserialize(Convert.FromBase64String(base64));

    private Transaction AddSignatures(Keypair[] signers, bool requireAll)
    {
        var messageBytes = Message.Serialize();
        var signerKeys = Message.Signers;
        var signatures = Signatures.Select(s => (byte[])s.Clone()).ToArray();
        foreach (var keypair in signers)
        {
            var position = IndexOf(signerKeys, keypair.PublicKey);
            if (position < 0)
            {
                throw new ArgumentException($"{keypair.PublicKey} is not a signer of this message.", nameof(signers));
            }

            signatures[position] = keypair.Sign(messageBytes);
        }

        if (requireAll)
        {
            var missing = signerKeys.Where((_, i) => signatures[i].All(b => b == 0)).ToList();
            if (missing.Count > 0)
            {
                throw new ArgumentException($"Missing signers: {string.Join(", ", missing)}.", nameof(signers));
            }
        }

        return new Transaction(signatures, Message);
    }

    private static int IndexOf(IReadOnlyList<PublicKey> keys, PublicKey key)
    {
        for (var i = 0; i < keys.Count; i++)
        {
            if (keys[i] == key)
            {
                return i;
            }
        }

        return -1;
    }
}
