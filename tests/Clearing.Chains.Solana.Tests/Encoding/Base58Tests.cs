using Clearing.Chains.Solana.Encoding;

namespace Clearing.Chains.Solana.Tests.Encoding;

public sealed class Base58Tests
{
    // Bitcoin Core's base58_encode_decode.json vectors (hex ↔ base58), leading zeros included.
    [Theory]
    [InlineData("", "")]
    [InlineData("61", "2g")]
    [InlineData("626262", "a3gV")]
    [InlineData("636363", "aPEr")]
    [InlineData("73696d706c792061206c6f6e6720737472696e67", "2cFupjhnEsSn59qHXstmK2ffpLv2")]
    [InlineData("00eb15231dfceb60925886b67d065299925915aeb172c06647", "1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L")]
    [InlineData("516b6fcd0f", "ABnLTmg")]
    [InlineData("bf4f89001e670274dd", "3SEo3LWLoPntC")]
    [InlineData("572e4794", "3EFU7m")]
    [InlineData("ecac89cad93923c02321", "EJDM8drfXA6uyA")]
    [InlineData("10c8511e", "Rt5zm")]
    [InlineData("00000000000000000000", "1111111111")]
    public void Published_vectors_encode_and_decode(string hex, string base58)
    {
        var bytes = Convert.FromHexString(hex);
        Assert.Equal(base58, Base58.Encode(bytes));
        Assert.Equal(bytes, Base58.Decode(base58));
    }

    [Fact]
    public void The_all_zero_address_is_thirty_two_ones()
    {
        Assert.Equal("11111111111111111111111111111111", Base58.Encode(new byte[32]));
        Assert.Equal(new byte[32], Base58.Decode("11111111111111111111111111111111"));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("O")]
    [InlineData("I")]
    [InlineData("l")]
    [InlineData("abc+")]
    [InlineData("ü")]
    public void Characters_outside_the_alphabet_are_rejected(string text)
    {
        Assert.False(Base58.TryDecode(text, out _));
        Assert.Throws<FormatException>(() => Base58.Decode(text));
    }

    [Fact]
    public void Random_bytes_round_trip_with_their_leading_zeros()
    {
        var random = new Random(58);
        for (var i = 0; i < 500; i++)
        {
            var bytes = new byte[random.Next(0, 70)];
            random.NextBytes(bytes);
            bytes.AsSpan(0, random.Next(0, Math.Min(4, bytes.Length) + 1)).Clear();
            Assert.Equal(bytes, Base58.Decode(Base58.Encode(bytes)));
        }
    }
}
