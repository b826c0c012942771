using System.Numerics;

namespace Clearing.Chains.Evm.Tests;

public sealed class KeccakAndHexTests
{
    [Theory]
    [InlineData("", "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")]
    [InlineData("abc", "0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45")]
    [InlineData("transfer(address,uint256)", "0xa9059cbb2ab09eb219583f4a59a5d0623ade346d962bcd4e46b11da047c9049b")]
    [InlineData("Transfer(address,address,uint256)", "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef")]
    public void Keccak256_is_the_original_keccak_not_nist_sha3(string text, string expected)
    {
        Assert.Equal(expected, Hex.Encode(Keccak256.Hash(text)));
    }

    [Theory]
    [InlineData("0x0", 0)]
    [InlineData("0x1", 1)]
    [InlineData("0x400", 1024)]
    [InlineData("0xffffffffffffffff", ulong.MaxValue)]
    public void Quantities_parse_as_the_execution_api_writes_them(string text, ulong expected)
    {
        Assert.Equal(expected, Hex.DecodeQuantityUInt64(text));
        Assert.Equal(text, Hex.EncodeQuantity(expected));
    }

    [Theory]
    [InlineData("0x")]
    [InlineData("0x0400")]
    [InlineData("400")]
    [InlineData("0xg1")]
    [InlineData("0X10")]
    [InlineData("0x-1")]
    public void Malformed_quantities_are_refused(string text)
    {
        Assert.Throws<FormatException>(() => Hex.DecodeQuantity(text));
    }

    [Fact]
    public void A_quantity_above_64_bits_is_refused_where_64_bits_are_expected()
    {
        Assert.Equal(BigInteger.One << 64, Hex.DecodeQuantity("0x10000000000000000"));
        Assert.Throws<FormatException>(() => Hex.DecodeQuantityUInt64("0x10000000000000000"));
    }

    [Theory]
    [InlineData("0x123")]
    [InlineData("0xzz")]
    public void Byte_strings_with_odd_digits_or_non_hex_are_refused(string text)
    {
        Assert.Throws<FormatException>(() => Hex.Decode(text));
    }
}
