using System.Numerics;
using System.Text;
using Clearing.Chains.Evm.Model;

namespace Clearing.Chains.Evm.Abi;

/// <summary>
/// ABI encoding and decoding of a list of values (the body of call data after the selector, return data,
/// non-indexed event data). From the spec: enc((X1,…,Xk)) = head(X1) … head(Xk) tail(X1) … tail(Xk), where a
/// dynamic Xi's head is the byte offset of tail(Xi) from the start of this encoding.
/// Decoding is strict as Solidity's abi.decode is: bad padding, out-of-range offsets or values are refused.
/// </summary>
public static class AbiCodec
{
    private const int Word = AbiType.WordSize;

    public static byte[] Encode(IReadOnlyList<AbiType> types, IReadOnlyList<object> values)
    {
        ArgumentNullException.ThrowIfNull(types);
        ArgumentNullException.ThrowIfNull(values);
        if (types.Count != values.Count)
        {
            throw new ArgumentException($"{types.Count} ABI types but {values.Count} values.");
        }

        var output = new MemoryStream();
        EncodeSequence(types, values, output);
        return output.ToArray();
    }

    public static byte[] Encode(string types, params object[] values) => Encode(AbiSignature.ParseTypeList(types), values);

    public static IReadOnlyList<object> Decode(IReadOnlyList<AbiType> types, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(types);
        return DecodeSequence(types, data, 0, data.Length);
    }

    public static IReadOnlyList<object> Decode(string types, ReadOnlySpan<byte> data) => Decode(AbiSignature.ParseTypeList(types), data);

    /// <summary>The one-word encoding of a static value (an indexed event topic of a static type).</summary>
    public static byte[] EncodeWord(AbiType type, object value)
    {
        if (type.IsDynamic || type.HeadSize != Word)
        {
            throw new ArgumentException($"{type} does not encode to a single word.", nameof(type));
        }

        var output = new MemoryStream();
        EncodeValue(type, value, output);
        return output.ToArray();
    }

    private static void EncodeSequence(IReadOnlyList<AbiType> types, IReadOnlyList<object> values, MemoryStream output)
    {
        var headSize = types.Sum(t => t.HeadSize);
        var tails = new MemoryStream();
        for (var i = 0; i < types.Count; i++)
        {
            if (types[i].IsDynamic)
            {
                WriteUInt(new BigInteger(headSize + tails.Length), output);
                EncodeValue(types[i], values[i], tails);
            }
            else
            {
                EncodeValue(types[i], values[i], output);
            }
        }

        tails.Position = 0;
        tails.CopyTo(output);
    }

    private static void EncodeValue(AbiType type, object value, MemoryStream output)
    {
        ArgumentNullException.ThrowIfNull(value);
        switch (type)
        {
            case AbiIntegerType integer:
                var number = ToBigInteger(value, type);
                var (min, max) = Range(integer);
                if (number < min || number > max)
                {
                    throw new ArgumentOutOfRangeException(nameof(value), $"{number} does not fit {type}.");
                }

                WriteTwosComplement(number, output);
                return;
            case AbiAddressType:
                var address = value switch
                {
                    EvmAddress a => a,
                    string s => EvmAddress.Parse(s),
                    _ => throw WrongValue(type, value),
                };
                output.Write(new byte[Word - EvmAddress.Length]);
                output.Write(address.Bytes);
                return;
            case AbiBoolType:
                WriteUInt(value is bool flag ? (flag ? BigInteger.One : BigInteger.Zero) : throw WrongValue(type, value), output);
                return;
            case AbiFixedBytesType fixedBytes:
                var fixedValue = value as byte[] ?? throw WrongValue(type, value);
                if (fixedValue.Length != fixedBytes.Length)
                {
                    throw new ArgumentException($"{type} needs exactly {fixedBytes.Length} bytes, got {fixedValue.Length}.", nameof(value));
                }

                output.Write(fixedValue);
                output.Write(new byte[Word - fixedValue.Length]);
                return;
            case AbiBytesType:
                WriteBytes(value as byte[] ?? throw WrongValue(type, value), output);
                return;
            case AbiStringType:
                WriteBytes(Encoding.UTF8.GetBytes(value as string ?? throw WrongValue(type, value)), output);
                return;
            case AbiArrayType array:
                var elements = AsList(value, type);
                if (array.FixedLength is { } length)
                {
                    if (elements.Count != length)
                    {
                        throw new ArgumentException($"{type} needs {length} elements, got {elements.Count}.", nameof(value));
                    }
                }
                else
                {
                    WriteUInt(elements.Count, output);
                }

                EncodeSequence([.. Enumerable.Repeat(array.Element, elements.Count)], elements, output);
                return;
            case AbiTupleType tuple:
                var components = AsList(value, type);
                if (components.Count != tuple.Components.Count)
                {
                    throw new ArgumentException($"{type} needs {tuple.Components.Count} components, got {components.Count}.", nameof(value));
                }

                EncodeSequence(tuple.Components, components, output);
                return;
            default:
                throw new ArgumentException($"Unsupported ABI type {type}.", nameof(type));
        }
    }

    private static IReadOnlyList<object> DecodeSequence(IReadOnlyList<AbiType> types, ReadOnlySpan<byte> data, int start, int end)
    {
        var values = new object[types.Count];
        var head = start;
        for (var i = 0; i < types.Count; i++)
        {
            var type = types[i];
            if (head + type.HeadSize > end)
            {
                throw new AbiDecodingException($"Data ends inside the head of component {i} ({type}).");
            }

            if (type.IsDynamic)
            {
                var offset = ReadLength(data, head, end, "offset");
                if (offset > end - start)
                {
                    throw new AbiDecodingException($"Offset {offset} of component {i} ({type}) points past the data.");
                }

                values[i] = DecodeValue(type, data, start + offset, end);
            }
            else
            {
                values[i] = DecodeValue(type, data, head, end);
            }

            head += type.HeadSize;
        }

        return values;
    }

    private static object DecodeValue(AbiType type, ReadOnlySpan<byte> data, int position, int end)
    {
        switch (type)
        {
            case AbiIntegerType integer:
            {
                var word = ReadWord(data, position, end);
                var number = integer.Signed
                    ? new BigInteger(word, isUnsigned: false, isBigEndian: true)
                    : new BigInteger(word, isUnsigned: true, isBigEndian: true);
                var (min, max) = Range(integer);
                if (number < min || number > max)
                {
                    throw new AbiDecodingException($"Word does not hold a valid {type} (bad padding or sign extension).");
                }

                return number;
            }

            case AbiAddressType:
            {
                var word = ReadWord(data, position, end);
                if (word[..(Word - EvmAddress.Length)].IndexOfAnyExcept((byte)0) >= 0)
                {
                    throw new AbiDecodingException("Address word has non-zero high bytes.");
                }

                return EvmAddress.FromBytes(word[(Word - EvmAddress.Length)..]);
            }

            case AbiBoolType:
            {
                var number = new BigInteger(ReadWord(data, position, end), isUnsigned: true, isBigEndian: true);
                return number.IsZero ? false : number.IsOne ? true : throw new AbiDecodingException("Bool word is neither 0 nor 1.");
            }

            case AbiFixedBytesType fixedBytes:
            {
                var word = ReadWord(data, position, end);
                if (word[fixedBytes.Length..].IndexOfAnyExcept((byte)0) >= 0)
                {
                    throw new AbiDecodingException($"{type} word has non-zero padding.");
                }

                return word[..fixedBytes.Length].ToArray();
            }

            case AbiBytesType:
                return ReadBytes(data, position, end);
            case AbiStringType:
                try
                {
                    return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(ReadBytes(data, position, end));
                }
                catch (DecoderFallbackException)
                {
                    throw new AbiDecodingException("String is not valid UTF-8.");
                }

            case AbiArrayType array:
            {
                int count;
                var contentStart = position;
                if (array.FixedLength is { } length)
                {
                    count = length;
                }
                else
                {
                    count = ReadLength(data, position, end, "array length");
                    contentStart = position + Word;
                }

                // Every element takes at least one head word: refuse counts the data cannot hold before allocating.
                if ((long)count * Math.Max(array.Element.HeadSize, 1) > end - contentStart)
                {
                    throw new AbiDecodingException($"Array of {count} {array.Element} does not fit the data.");
                }

                return DecodeSequence([.. Enumerable.Repeat(array.Element, count)], data, contentStart, end);
            }

            case AbiTupleType tuple:
                return DecodeSequence(tuple.Components, data, position, end);
            default:
                throw new ArgumentException($"Unsupported ABI type {type}.", nameof(type));
        }
    }

    private static ReadOnlySpan<byte> ReadWord(ReadOnlySpan<byte> data, int position, int end)
    {
        if (position < 0 || position + Word > end)
        {
            throw new AbiDecodingException($"Data ends before the word at byte {position}.");
        }

        return data.Slice(position, Word);
    }

    private static int ReadLength(ReadOnlySpan<byte> data, int position, int end, string what)
    {
        var value = new BigInteger(ReadWord(data, position, end), isUnsigned: true, isBigEndian: true);
        if (value > int.MaxValue)
        {
            throw new AbiDecodingException($"ABI {what} {value} is larger than any data we accept.");
        }

        return (int)value;
    }

    private static byte[] ReadBytes(ReadOnlySpan<byte> data, int position, int end)
    {
        var length = ReadLength(data, position, end, "byte length");
        var start = position + Word;
        var padded = (length + Word - 1) / Word * Word;
        if ((long)start + padded > end)
        {
            throw new AbiDecodingException($"Byte string of {length} bytes runs past the data.");
        }

        if (data.Slice(start + length, padded - length).IndexOfAnyExcept((byte)0) >= 0)
        {
            throw new AbiDecodingException("Byte string has non-zero padding.");
        }

        return data.Slice(start, length).ToArray();
    }

    private static void WriteBytes(byte[] bytes, MemoryStream output)
    {
        WriteUInt(bytes.Length, output);
        output.Write(bytes);
        var padding = (Word - bytes.Length % Word) % Word;
        output.Write(new byte[padding]);
    }

    private static void WriteUInt(BigInteger value, MemoryStream output) => WriteTwosComplement(value, output);

    private static void WriteTwosComplement(BigInteger value, MemoryStream output)
    {
        Span<byte> word = stackalloc byte[Word];
        word.Fill(value.Sign < 0 ? (byte)0xff : (byte)0);
        var bytes = value.ToByteArray(isUnsigned: false, isBigEndian: true);

        // ToByteArray may add a sign byte (0x00 for positive numbers with the top bit set); a uint256 then takes 33.
        var significant = bytes.Length > Word ? bytes.AsSpan(bytes.Length - Word) : bytes;
        significant.CopyTo(word[(Word - significant.Length)..]);
        output.Write(word);
    }

    private static (BigInteger Min, BigInteger Max) Range(AbiIntegerType type) =>
        type.Signed
            ? (-(BigInteger.One << (type.Bits - 1)), (BigInteger.One << (type.Bits - 1)) - 1)
            : (BigInteger.Zero, (BigInteger.One << type.Bits) - 1);

    private static BigInteger ToBigInteger(object value, AbiType type) => value switch
    {
        BigInteger b => b,
        int i => i,
        long l => l,
        uint u => u,
        ulong ul => ul,
        byte by => by,
        _ => throw WrongValue(type, value),
    };

    private static IReadOnlyList<object> AsList(object value, AbiType type) => value switch
    {
        IReadOnlyList<object> list => list,
        System.Collections.IEnumerable sequence and not string and not byte[] => [.. sequence.Cast<object>()],
        _ => throw WrongValue(type, value),
    };

    private static ArgumentException WrongValue(AbiType type, object value) =>
        new($"A {value.GetType().Name} cannot be encoded as {type}.", nameof(value));
}

/// <summary>ABI data that does not decode as the expected types.</summary>
public sealed class AbiDecodingException(string message) : FormatException(message);
