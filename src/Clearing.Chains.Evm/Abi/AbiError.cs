namespace Clearing.Chains.Evm.Abi;

/// <summary>
/// A Solidity custom error. Revert data of <c>revert E(args)</c> is laid out like a call: the first four bytes of
/// Keccak-256 of the error's signature, then the ABI encoding of its arguments.
/// </summary>
public sealed class AbiError
{
    private AbiError(string name, IReadOnlyList<AbiParameter> parameters)
    {
        Name = name;
        Parameters = parameters;
        Signature = name + "(" + string.Join(",", parameters.Select(p => p.Type.CanonicalName)) + ")";
        Selector = Keccak256.Hash(Signature)[..4];
    }

    public string Name { get; }

    public IReadOnlyList<AbiParameter> Parameters { get; }

    public string Signature { get; }

    public byte[] Selector { get; }

    public static AbiError Parse(string signature)
    {
        var (name, parameters) = AbiSignature.Parse(signature);
        return new AbiError(name, parameters);
    }

    /// <summary>Whether <paramref name="revertData"/> is this error (by selector).</summary>
    public bool Matches(ReadOnlySpan<byte> revertData) => revertData.Length >= 4 && revertData[..4].SequenceEqual(Selector);

    /// <summary>The error's arguments; throws <see cref="AbiDecodingException"/> if the data is another error.</summary>
    public IReadOnlyList<object> Decode(ReadOnlySpan<byte> revertData)
    {
        if (!Matches(revertData))
        {
            throw new AbiDecodingException($"Revert data is not {Signature}.");
        }

        return AbiCodec.Decode([.. Parameters.Select(p => p.Type)], revertData[4..]);
    }

    public byte[] Encode(params object[] arguments) => [.. Selector, .. AbiCodec.Encode([.. Parameters.Select(p => p.Type)], arguments)];
}
