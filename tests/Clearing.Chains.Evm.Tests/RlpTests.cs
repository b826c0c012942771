using System.Numerics;
using System.Text;
using System.Text.Json;
using Clearing.Chains.Evm.Rlp;

namespace Clearing.Chains.Evm.Tests;

public sealed class RlpTests
{
    private static readonly JsonElement Valid = JsonDocument.Parse(TestFiles.ReadText("rlptest.json")).RootElement;
    private static readonly JsonElement Invalid = JsonDocument.Parse(TestFiles.ReadText("invalidRLPTest.json")).RootElement;

    public static TheoryData<string> ValidNames() => [.. Valid.EnumerateObject().Where(p => !p.Name.StartsWith('_')).Select(p => p.Name)];

    public static TheoryData<string> InvalidNames() => [.. Invalid.EnumerateObject().Where(p => !p.Name.StartsWith('_')).Select(p => p.Name)];

    [Theory]
    [MemberData(nameof(ValidNames))]
    public void Encoding_matches_the_ethereum_tests_vector(string name)
    {
        var vector = Valid.GetProperty(name);
        var encoded = RlpCodec.Encode(ToItem(vector.GetProperty("in")));
        Assert.Equal(vector.GetProperty("out").GetString()!.ToLowerInvariant(), Hex.Encode(encoded));
    }

    [Theory]
    [MemberData(nameof(ValidNames))]
    public void Decoding_a_vector_gives_back_an_item_that_re_encodes_identically(string name)
    {
        var bytes = Hex.Decode(Valid.GetProperty(name).GetProperty("out").GetString()!);
        Assert.Equal(bytes, RlpCodec.Encode(RlpCodec.Decode(bytes)));
    }

    [Theory]
    [MemberData(nameof(InvalidNames))]
    public void Non_canonical_or_malformed_encodings_from_ethereum_tests_are_refused(string name)
    {
        var bytes = Hex.Decode(Invalid.GetProperty(name).GetString()!);
        Assert.Throws<RlpException>(() => RlpCodec.Decode(bytes));
    }

    [Theory]
    [InlineData("0x83646f67ff", "trailing byte after the item")]
    [InlineData("0x8364", "string shorter than its header says")]
    [InlineData("0xc2836400", "list payload cuts a child short")]
    [InlineData("0x", "no item at all")]
    public void Truncated_or_padded_input_is_refused(string hex, string why)
    {
        Assert.Throws<RlpException>(() => RlpCodec.Decode(Hex.Decode(hex)));
        Assert.NotEmpty(why);
    }

    [Theory]
    [InlineData("0x820001")]
    [InlineData("0x00")]
    public void Scalars_with_leading_zero_bytes_are_refused(string hex)
    {
        var item = RlpCodec.Decode(Hex.Decode(hex)).AsString();
        Assert.Throws<RlpException>(() => item.ToUInt());
    }

    [Theory]
    [InlineData(0UL, "0x80")]
    [InlineData(127UL, "0x7f")]
    [InlineData(128UL, "0x8180")]
    [InlineData(ulong.MaxValue, "0x88ffffffffffffffff")]
    public void Scalars_encode_big_endian_without_leading_zeros(ulong value, string expected)
    {
        var encoded = RlpCodec.Encode(RlpString.FromUInt(value));
        Assert.Equal(expected, Hex.Encode(encoded));
        Assert.Equal(value, RlpCodec.Decode(encoded).AsString().ToUInt64());
    }

    [Fact]
    public void Nesting_is_limited_so_hostile_input_cannot_exhaust_the_stack()
    {
        RlpItem item = RlpString.Empty;
        for (var level = 0; level < RlpCodec.MaxDepth; level++)
        {
            item = RlpList.Of(item);
        }

        var deepest = RlpCodec.Encode(item);
        Assert.Equal(deepest, RlpCodec.Encode(RlpCodec.Decode(deepest)));
        Assert.Throws<RlpException>(() => RlpCodec.Decode(RlpCodec.Encode(RlpList.Of(item))));
    }

    [Fact]
    public void A_list_where_a_string_is_expected_is_a_format_error()
    {
        var item = RlpCodec.Decode(Hex.Decode("0xc0"));
        Assert.Throws<RlpException>(() => item.AsString());
    }

    /// <summary>The ethereum/tests input convention: "0x…" is hex bytes, "#…" a big integer, numbers are scalars.</summary>
    private static RlpItem ToItem(JsonElement input) => input.ValueKind switch
    {
        JsonValueKind.Array => new RlpList([.. input.EnumerateArray().Select(ToItem)]),
        JsonValueKind.Number => RlpString.FromUInt(input.GetUInt64()),
        JsonValueKind.String when input.GetString()!.StartsWith('#') => RlpString.FromUInt(BigInteger.Parse(input.GetString()![1..], System.Globalization.CultureInfo.InvariantCulture)),
        JsonValueKind.String when input.GetString()!.StartsWith("0x", StringComparison.Ordinal) => new RlpString(Hex.Decode(input.GetString()!)),
        JsonValueKind.String => new RlpString(Encoding.UTF8.GetBytes(input.GetString()!)),
        _ => throw new InvalidOperationException($"Unexpected vector input {input}."),
    };
}
