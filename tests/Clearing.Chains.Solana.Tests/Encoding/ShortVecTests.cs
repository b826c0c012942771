using Clearing.Chains.Solana.Encoding;

namespace Clearing.Chains.Solana.Tests.Encoding;

public sealed class ShortVecTests
{
    // Solana's short_vec tests: 7 bits per byte, least significant first, high bit = more follows.
    [Theory]
    [InlineData(0x0000, "00")]
    [InlineData(0x0001, "01")]
    [InlineData(0x007f, "7f")]
    [InlineData(0x0080, "8001")]
    [InlineData(0x00ff, "ff01")]
    [InlineData(0x0100, "8002")]
    [InlineData(0x07ff, "ff0f")]
    [InlineData(0x3fff, "ff7f")]
    [InlineData(0x4000, "808001")]
    [InlineData(0xffff, "ffff03")]
    public void Lengths_encode_to_the_shortest_form_and_decode_back(int value, string hex)
    {
        Assert.Equal(hex, Convert.ToHexString(ShortVec.Encode(value)).ToLowerInvariant());
        Assert.Equal(hex.Length / 2, ShortVec.EncodedLength(value));
        Assert.Equal(value, ShortVec.Decode(Convert.FromHexString(hex + "ee"), out var read));
        Assert.Equal(hex.Length / 2, read);
    }

    [Theory]
    [InlineData("8000")] // 0 with a trailing zero group: alias of "00"
    [InlineData("ff00")] // 0x7f aliased
    [InlineData("808000")] // 0 in three bytes
    [InlineData("ff8000")] // 0x7f aliased in three bytes
    [InlineData("ffff04")] // 0x1ffff: above u16
    [InlineData("ffff07")] // above u16
    [InlineData("808080")] // a fourth byte would follow
    [InlineData("80808000")]
    [InlineData("80")] // truncated
    [InlineData("ffff")] // truncated
    [InlineData("")]
    public void Non_canonical_overlong_and_truncated_encodings_are_rejected(string hex)
    {
        Assert.Throws<FormatException>(() => ShortVec.Decode(Convert.FromHexString(hex), out _));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(0x10000)]
    public void Values_outside_u16_cannot_be_encoded(int value)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ShortVec.Encode(value));
    }

    [Fact]
    public void Every_u16_round_trips()
    {
        Span<byte> buffer = stackalloc byte[3];
        for (var value = 0; value <= ushort.MaxValue; value++)
        {
            var length = ShortVec.Write(buffer, value);
            Assert.Equal(value, ShortVec.Decode(buffer[..length], out var read));
            Assert.Equal(length, read);
        }
    }
}
