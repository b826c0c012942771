namespace Clearing.Chains.Evm.Abi;

/// <summary>
/// A Solidity ABI type (Solidity docs, "Contract ABI Specification"). Parsed from its canonical spelling:
/// <c>uint&lt;M&gt;</c>, <c>int&lt;M&gt;</c>, <c>address</c>, <c>bool</c>, <c>bytes&lt;M&gt;</c>, <c>bytes</c>,
/// <c>string</c>, <c>T[]</c>, <c>T[k]</c> and tuples <c>(T1,…,Tn)</c>.
/// Values are carried as: BigInteger (integers), EvmAddress, bool, byte[] (bytes, bytesN), string,
/// IReadOnlyList&lt;object&gt; (arrays and tuples).
/// </summary>
public abstract class AbiType
{
    /// <summary>One ABI word: every head slot and every padded unit is 32 bytes.</summary>
    public const int WordSize = 32;

    /// <summary>The canonical spelling used in function and event signatures.</summary>
    public abstract string CanonicalName { get; }

    /// <summary>Dynamic types are encoded out of line, behind an offset in the head.</summary>
    public abstract bool IsDynamic { get; }

    /// <summary>Bytes this type takes in the head: one word for dynamic types, its full size for static ones.</summary>
    public abstract int HeadSize { get; }

    public override string ToString() => CanonicalName;

    public static AbiType Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        if (trimmed.EndsWith(']'))
        {
            var open = trimmed.LastIndexOf('[');
            if (open < 0)
            {
                throw new FormatException($"Unbalanced array brackets in ABI type '{text}'.");
            }

            var element = Parse(trimmed[..open]);
            var size = trimmed[(open + 1)..^1];
            if (size.Length == 0)
            {
                return new AbiArrayType(element, null);
            }

            if (!int.TryParse(size, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var length) || length <= 0)
            {
                throw new FormatException($"Bad fixed array length in ABI type '{text}'.");
            }

            return new AbiArrayType(element, length);
        }

        if (trimmed.StartsWith('('))
        {
            if (!trimmed.EndsWith(')'))
            {
                throw new FormatException($"Unbalanced parentheses in ABI type '{text}'.");
            }

            return new AbiTupleType([.. AbiSignature.SplitTopLevel(trimmed[1..^1]).Select(Parse)]);
        }

        return trimmed switch
        {
            "address" => AbiAddressType.Instance,
            "bool" => AbiBoolType.Instance,
            "string" => AbiStringType.Instance,
            "bytes" => AbiBytesType.Instance,
            "uint" => new AbiIntegerType(256, signed: false),
            "int" => new AbiIntegerType(256, signed: true),
            _ when trimmed.StartsWith("uint", StringComparison.Ordinal) => new AbiIntegerType(ParseBits(trimmed[4..], text), signed: false),
            _ when trimmed.StartsWith("int", StringComparison.Ordinal) => new AbiIntegerType(ParseBits(trimmed[3..], text), signed: true),
            _ when trimmed.StartsWith("bytes", StringComparison.Ordinal) => new AbiFixedBytesType(ParseFixedBytesLength(trimmed[5..], text)),
            _ => throw new FormatException($"Unknown ABI type '{text}'."),
        };
    }

    private static int ParseBits(string digits, string text)
    {
        if (!int.TryParse(digits, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var bits)
            || bits < 8 || bits > 256 || bits % 8 != 0 || digits.StartsWith('0'))
        {
            throw new FormatException($"Integer ABI type needs a size in 8..256, a multiple of 8: '{text}'.");
        }

        return bits;
    }

    private static int ParseFixedBytesLength(string digits, string text)
    {
        if (!int.TryParse(digits, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var length)
            || length < 1 || length > 32 || digits.StartsWith('0'))
        {
            throw new FormatException($"bytes<M> needs M in 1..32: '{text}'.");
        }

        return length;
    }
}

/// <summary><c>uint&lt;M&gt;</c> / <c>int&lt;M&gt;</c>: one word, big-endian, two's complement for signed.</summary>
public sealed class AbiIntegerType : AbiType
{
    public AbiIntegerType(int bits, bool signed)
    {
        Bits = bits;
        Signed = signed;
    }

    public int Bits { get; }

    public bool Signed { get; }

    public override string CanonicalName => (Signed ? "int" : "uint") + Bits.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public override bool IsDynamic => false;

    public override int HeadSize => WordSize;
}

/// <summary><c>address</c>: a uint160 in one word.</summary>
public sealed class AbiAddressType : AbiType
{
    public static readonly AbiAddressType Instance = new();

    public override string CanonicalName => "address";

    public override bool IsDynamic => false;

    public override int HeadSize => WordSize;
}

/// <summary><c>bool</c>: a uint8 restricted to 0 and 1.</summary>
public sealed class AbiBoolType : AbiType
{
    public static readonly AbiBoolType Instance = new();

    public override string CanonicalName => "bool";

    public override bool IsDynamic => false;

    public override int HeadSize => WordSize;
}

/// <summary><c>bytes&lt;M&gt;</c>: M bytes left-aligned in one word, zero padded on the right.</summary>
public sealed class AbiFixedBytesType(int length) : AbiType
{
    public int Length { get; } = length;

    public override string CanonicalName => "bytes" + Length.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public override bool IsDynamic => false;

    public override int HeadSize => WordSize;
}

/// <summary><c>bytes</c>: a length word then the bytes, zero padded to a whole word.</summary>
public sealed class AbiBytesType : AbiType
{
    public static readonly AbiBytesType Instance = new();

    public override string CanonicalName => "bytes";

    public override bool IsDynamic => true;

    public override int HeadSize => WordSize;
}

/// <summary><c>string</c>: encoded as <c>bytes</c> of its UTF-8 form.</summary>
public sealed class AbiStringType : AbiType
{
    public static readonly AbiStringType Instance = new();

    public override string CanonicalName => "string";

    public override bool IsDynamic => true;

    public override int HeadSize => WordSize;
}

/// <summary><c>T[]</c> (length word, then the elements as a tuple) or <c>T[k]</c> (the k elements as a tuple).</summary>
public sealed class AbiArrayType(AbiType element, int? fixedLength) : AbiType
{
    public AbiType Element { get; } = element;

    /// <summary>k for <c>T[k]</c>; null for the dynamic <c>T[]</c>.</summary>
    public int? FixedLength { get; } = fixedLength;

    public override string CanonicalName =>
        Element.CanonicalName + "[" + (FixedLength?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "") + "]";

    public override bool IsDynamic => FixedLength is null || Element.IsDynamic;

    public override int HeadSize => IsDynamic ? WordSize : FixedLength!.Value * Element.HeadSize;
}

/// <summary><c>(T1,…,Tn)</c>: heads of all components, then the tails of the dynamic ones.</summary>
public sealed class AbiTupleType(IReadOnlyList<AbiType> components) : AbiType
{
    public IReadOnlyList<AbiType> Components { get; } = components;

    public override string CanonicalName => "(" + string.Join(",", Components.Select(c => c.CanonicalName)) + ")";

    public override bool IsDynamic => Components.Any(c => c.IsDynamic);

    public override int HeadSize => IsDynamic ? WordSize : Components.Sum(c => c.HeadSize);
}
