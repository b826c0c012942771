using System.Numerics;
using Clearing.Domain.Numerics;

namespace Clearing.Domain.Tests.Numerics;

public sealed class TokenAmountsTests
{
    [Theory]
    [InlineData("10", 9, "10000000000")]
    [InlineData("-500", 6, "-500000000")]
    [InlineData("0.000001", 6, "1")]
    [InlineData("1.10", 1, "11")]
    public void Decimal_text_becomes_base_units_exactly(string text, int decimals, string units) =>
        Assert.Equal(Int128.Parse(units), TokenAmounts.ParseUnits(text, decimals));

    [Fact]
    public void More_fraction_digits_than_the_token_has_is_an_error_not_a_rounding()
    {
        FormatException error = Assert.Throws<FormatException>(() => TokenAmounts.ParseUnits("0.0000001", 6));
        Assert.Contains("more than 6 decimal places", error.Message);
    }

    [Fact]
    public void A_uint256_beyond_the_ledger_type_is_rejected_with_a_clear_error()
    {
        BigInteger huge = BigInteger.One << 200;
        OverflowException error = Assert.Throws<OverflowException>(() => TokenAmounts.ToLedger(huge));
        Assert.Contains("does not fit the ledger", error.Message);
        Assert.Equal((Int128)12345, TokenAmounts.ToLedger(12345));
    }

    [Theory]
    // units, price, decimals, down, up
    [InlineData("1", "0.5", 6, "0", "0.000001")]
    [InlineData("-1", "0.5", 6, "-0.000001", "0")]
    [InlineData("10000000000", "100", 9, "1000", "1000")]
    [InlineData("1000000000000000000000000000", "3000.123456789", 18, "3000123456789", "3000123456789")]
    public void Value_is_units_times_price_over_ten_to_the_decimals(string units, string price, int decimals, string down, string up)
    {
        Int128 u = Int128.Parse(units);
        Assert.Equal(down, TokenAmounts.Value(u, Fixed.Parse(price), decimals, Rounding.Down).RoundTo(6, Rounding.Down).ToString());
        Assert.Equal(up, TokenAmounts.Value(u, Fixed.Parse(price), decimals, Rounding.Up).RoundTo(6, Rounding.Up).ToString());
    }

    [Fact]
    public void Value_of_a_256_bit_intermediate_product_is_exact()
    {
        // 10^30 units × 1.2e23 raw price needs 256 bits before the division by 10^18.
        Int128 units = Fixed.PowerOfTen(30);
        Fixed value = TokenAmounts.Value(units, Fixed.Parse("123456.789"), 18, Rounding.Down);
        Assert.Equal("123456789000000000", value.ToString());
    }
}
