using Clearing.Chains.Evm.Model;

namespace Clearing.Chains.Evm.Abi;

/// <summary>
/// A contract event. A log of a non-anonymous event carries topic0 = Keccak-256 of the canonical signature, one
/// topic per indexed parameter (its word encoding for static types; for dynamic types the Keccak-256 of the
/// value, which cannot be reversed), and the ABI encoding of the non-indexed parameters as data.
/// </summary>
public sealed class AbiEvent
{
    private AbiEvent(string name, IReadOnlyList<AbiParameter> parameters)
    {
        Name = name;
        Parameters = parameters;
        Signature = name + "(" + string.Join(",", parameters.Select(p => p.Type.CanonicalName)) + ")";
        Topic0 = Keccak256.Hash(Signature);
    }

    public string Name { get; }

    public IReadOnlyList<AbiParameter> Parameters { get; }

    public string Signature { get; }

    public byte[] Topic0 { get; }

    /// <summary>Parses e.g. <c>Deposited(bytes32 indexed account, address indexed token, uint256 amount, address depositor)</c>.</summary>
    public static AbiEvent Parse(string signature)
    {
        var (name, parameters) = AbiSignature.Parse(signature);
        if (parameters.Count(p => p.Indexed) > 3)
        {
            throw new FormatException($"An event has at most three indexed parameters: '{signature}'.");
        }

        return new AbiEvent(name, parameters);
    }

    /// <summary>The topic that filters on an indexed parameter's value (for eth_getLogs).</summary>
    public static byte[] EncodeTopic(AbiType type, object value) => type switch
    {
        AbiStringType => Keccak256.Hash(value as string ?? throw new ArgumentException("A string topic needs a string.", nameof(value))),
        AbiBytesType => Keccak256.Hash(value as byte[] ?? throw new ArgumentException("A bytes topic needs a byte[].", nameof(value))),
        { IsDynamic: false, HeadSize: AbiType.WordSize } => AbiCodec.EncodeWord(type, value),

        // Indexed arrays and tuples hash a special in-place encoding; no Clearing contract indexes one.
        _ => throw new NotSupportedException($"Topics of indexed {type} parameters are not supported."),
    };

    /// <summary>
    /// Decodes a log of this event into values in parameter order. Refuses a log whose topic0 is another event's
    /// or whose topic count does not match; an indexed dynamic parameter comes back as its 32-byte hash.
    /// </summary>
    public AbiEventValues Decode(IReadOnlyList<byte[]> topics, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(topics);
        var indexed = Parameters.Where(p => p.Indexed).ToList();
        if (topics.Count != indexed.Count + 1)
        {
            throw new AbiDecodingException($"{Signature} logs carry {indexed.Count + 1} topics, this one has {topics.Count}.");
        }

        if (!topics[0].AsSpan().SequenceEqual(Topic0))
        {
            throw new AbiDecodingException($"Log topic0 is not the topic of {Signature}.");
        }

        var nonIndexed = AbiCodec.Decode([.. Parameters.Where(p => !p.Indexed).Select(p => p.Type)], data);
        var values = new object[Parameters.Count];
        int topicIndex = 1, dataIndex = 0;
        for (var i = 0; i < Parameters.Count; i++)
        {
            var parameter = Parameters[i];
            if (!parameter.Indexed)
            {
                values[i] = nonIndexed[dataIndex++];
                continue;
            }

            var topic = topics[topicIndex++];
            if (topic.Length != AbiType.WordSize)
            {
                throw new AbiDecodingException("A topic is 32 bytes.");
            }

            values[i] = parameter.Type.IsDynamic || parameter.Type.HeadSize != AbiType.WordSize
                ? topic.ToArray()
                : AbiCodec.Decode([parameter.Type], topic)[0];
        }

        return new AbiEventValues(Parameters, values);
    }

    public AbiEventValues Decode(IEvmLog log) => Decode(log.Topics, log.Data);
}

/// <summary>What a log carries: its topics and data (the part of an eth_getLogs entry an event decoder reads).</summary>
public interface IEvmLog
{
    IReadOnlyList<byte[]> Topics { get; }

    byte[] Data { get; }
}

/// <summary>Decoded event values, by position or by parameter name.</summary>
public sealed class AbiEventValues(IReadOnlyList<AbiParameter> parameters, IReadOnlyList<object> values)
{
    public IReadOnlyList<object> Values { get; } = values;

    public object this[int index] => Values[index];

    public object this[string name]
    {
        get
        {
            for (var i = 0; i < parameters.Count; i++)
            {
                if (parameters[i].Name == name)
                {
                    return Values[i];
                }
            }

            throw new KeyNotFoundException($"No event parameter named '{name}'.");
        }
    }

    public T Get<T>(string name) => (T)this[name];
}
