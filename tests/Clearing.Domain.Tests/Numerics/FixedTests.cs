using Clearing.Domain.Numerics;

namespace Clearing.Domain.Tests.Numerics;

public sealed class FixedTests
{
    [Theory]
    [InlineData("0", "0")]
    [InlineData("1", "1")]
    [InlineData("-12.50", "-12.5")]
    [InlineData("0.000000000000000001", "0.000000000000000001")]
    [InlineData("+3.140", "3.14")]
    [InlineData("170141183460469231731.687303715884105727", "170141183460469231731.687303715884105727")]
    [InlineData(".5", "0.5")]
    [InlineData("1.5000000000000000000000", "1.5")]
    public void Parse_then_format_is_exact(string text, string expected) =>
        Assert.Equal(expected, Fixed.Parse(text).ToString());

    [Theory]
    [InlineData("")]
    [InlineData("1e5")]
    [InlineData("1.2.3")]
    [InlineData("0.0000000000000000001")]
    [InlineData("abc")]
    [InlineData("-")]
    [InlineData("1 000")]
    [InlineData("5.")]
    [InlineData(".")]
    [InlineData("170141183460469231732")]
    public void Malformed_or_inexact_text_is_rejected(string text) =>
        Assert.False(Fixed.TryParse(text, out _));

    [Theory]
    // a, b, down, up
    [InlineData("1", "3", "0.333333333333333333", "0.333333333333333334")]
    [InlineData("-1", "3", "-0.333333333333333334", "-0.333333333333333333")]
    [InlineData("2", "4", "0.5", "0.5")]
    [InlineData("10", "-4", "-2.5", "-2.5")]
    [InlineData("-2", "-3", "0.666666666666666666", "0.666666666666666667")]
    public void Division_rounds_in_the_named_direction(string a, string b, string down, string up)
    {
        Assert.Equal(down, Fixed.Parse(a).DivRoundDown(Fixed.Parse(b)).ToString());
        Assert.Equal(up, Fixed.Parse(a).DivRoundUp(Fixed.Parse(b)).ToString());
    }

    [Theory]
    [InlineData("0.000000000000000001", "0.5", "0", "0.000000000000000001")]
    [InlineData("-0.000000000000000001", "0.5", "-0.000000000000000001", "0")]
    [InlineData("123456789.123456789", "1000", "123456789123.456789", "123456789123.456789")]
    [InlineData("99999999999999999999", "1.5", "149999999999999999998.5", "149999999999999999998.5")]
    public void Multiplication_rounds_in_the_named_direction(string a, string b, string down, string up)
    {
        Assert.Equal(down, Fixed.Parse(a).MulRoundDown(Fixed.Parse(b)).ToString());
        Assert.Equal(up, Fixed.Parse(a).MulRoundUp(Fixed.Parse(b)).ToString());
    }

    [Fact]
    public void Overflowing_product_throws_instead_of_wrapping() =>
        Assert.Throws<OverflowException>(() => Fixed.Parse("100000000000000000000").MulRoundDown(Fixed.Parse("10")));

    [Theory]
    [InlineData("4", "2", "2")]
    [InlineData("2", "1.414213562373095048", "1.414213562373095049")]
    [InlineData("0.0001", "0.01", "0.01")]
    [InlineData("0", "0", "0")]
    [InlineData("10000", "100", "100")]                   // beyond 128-bit intermediate: the BigInteger path
    [InlineData("1000000000000", "1000000", "1000000")]
    [InlineData("340.5", "18.452642087245934549", "18.45264208724593455")]
    public void Square_root_rounds_in_the_named_direction(string value, string down, string up)
    {
        Assert.Equal(down, Fixed.Parse(value).Sqrt(Rounding.Down).ToString());
        Assert.Equal(up, Fixed.Parse(value).Sqrt(Rounding.Up).ToString());
    }

    [Theory]
    [InlineData("0", "0")]
    [InlineData("1", "1")]
    [InlineData("15", "3")]
    [InlineData("16", "4")]
    [InlineData("10000000001", "100000")]
    [InlineData("340282366920938463463374607431768211455", "18446744073709551615")]
    public void Integer_square_root_is_the_floor(string n, string expected) =>
        Assert.Equal(UInt128.Parse(expected), WideMath.SqrtFloor(UInt128.Parse(n)));
}
