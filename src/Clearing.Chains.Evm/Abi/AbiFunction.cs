namespace Clearing.Chains.Evm.Abi;

/// <summary>
/// A contract function: its canonical signature, 4-byte selector (first four bytes of Keccak-256 of the
/// signature), and the encoders for call data and return data.
/// </summary>
public sealed class AbiFunction
{
    private AbiFunction(string name, IReadOnlyList<AbiParameter> inputs, IReadOnlyList<AbiType> outputs)
    {
        Name = name;
        Inputs = inputs;
        Outputs = outputs;
        Signature = name + "(" + string.Join(",", inputs.Select(p => p.Type.CanonicalName)) + ")";
        Selector = Keccak256.Hash(Signature)[..4];
    }

    public string Name { get; }

    public IReadOnlyList<AbiParameter> Inputs { get; }

    public IReadOnlyList<AbiType> Outputs { get; }

    /// <summary>The canonical signature, e.g. <c>transfer(address,uint256)</c>.</summary>
    public string Signature { get; }

    public byte[] Selector { get; }

    /// <summary>Parses e.g. <c>latestRoundData()</c> with outputs <c>(uint80,int256,uint256,uint256,uint80)</c>.</summary>
    public static AbiFunction Parse(string signature, string outputs = "")
    {
        var (name, parameters) = AbiSignature.Parse(signature);
        if (parameters.Any(p => p.Indexed))
        {
            throw new FormatException($"Function parameters cannot be indexed: '{signature}'.");
        }

        return new AbiFunction(name, parameters, AbiSignature.ParseTypeList(outputs));
    }

    /// <summary>Call data: selector ‖ ABI encoding of the arguments.</summary>
    public byte[] EncodeCall(params object[] arguments) =>
        [.. Selector, .. AbiCodec.Encode([.. Inputs.Select(p => p.Type)], arguments)];

    /// <summary>Decodes call data made for this function (checks the selector).</summary>
    public IReadOnlyList<object> DecodeCall(ReadOnlySpan<byte> callData)
    {
        if (callData.Length < 4 || !callData[..4].SequenceEqual(Selector))
        {
            throw new AbiDecodingException($"Call data does not start with the selector of {Signature}.");
        }

        return AbiCodec.Decode([.. Inputs.Select(p => p.Type)], callData[4..]);
    }

    /// <summary>Decodes return data into the declared outputs.</summary>
    public IReadOnlyList<object> DecodeOutput(ReadOnlySpan<byte> returnData) => AbiCodec.Decode(Outputs, returnData);
}
