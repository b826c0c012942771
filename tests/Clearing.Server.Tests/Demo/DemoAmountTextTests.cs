using System.Numerics;
using Clearing.Server.Demo;

namespace Clearing.Server.Tests.Demo;

/// <summary>The demo's amounts as people read them: base units shown as whole tokens, grouped, with the sign kept.</summary>
public sealed class DemoAmountTextTests
{
    [Theory]
    [InlineData("10000000000", 6, "10,000")]
    [InlineData("2546031750915750916", 18, "2.546031750915750916")]
    [InlineData("-500000", 6, "-0.5")]
    [InlineData("-1234567500000", 6, "-1,234,567.5")]
    [InlineData("0", 6, "0")]
    public void Whole_shows_base_units_as_tokens_with_their_sign(string units, byte decimals, string expected) =>
        Assert.Equal(expected, DemoScenario.Whole(BigInteger.Parse(units, System.Globalization.CultureInfo.InvariantCulture), decimals));
}
