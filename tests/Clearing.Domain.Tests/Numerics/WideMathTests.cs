using System.Numerics;
using Clearing.Domain.Numerics;

namespace Clearing.Domain.Tests.Numerics;

public sealed class WideMathTests
{
    [Theory]
    [InlineData(21)]
    [InlineData(22)]
    public void MulDiv_matches_exact_big_integer_floor_and_ceiling(int seed)
    {
        var random = new Random(seed);
        int compared = 0;
        for (int i = 0; i < 20_000; i++)
        {
            Int128 a = RandomInt128(random);
            Int128 b = RandomInt128(random);
            Int128 d = random.Next(3) switch
            {
                0 => Fixed.Scale,
                1 => Fixed.PowerOfTen(random.Next(0, 19)),
                _ => Int128.Abs(RandomInt128(random)) + 1,
            };
            BigInteger product = (BigInteger)a * (BigInteger)b;
            BigInteger floor = BigInteger.DivRem(product, (BigInteger)d, out BigInteger rem);
            if (rem.Sign < 0)
            {
                floor -= 1;
            }

            BigInteger ceiling = rem.IsZero ? floor : floor + 1;
            foreach ((Rounding rounding, BigInteger expected) in new[] { (Rounding.Down, floor), (Rounding.Up, ceiling) })
            {
                if (expected > (BigInteger)Int128.MaxValue || expected < (BigInteger)Int128.MinValue)
                {
                    Assert.Throws<OverflowException>(() => WideMath.MulDiv(a, b, d, rounding));
                }
                else
                {
                    Assert.Equal(expected, (BigInteger)WideMath.MulDiv(a, b, d, rounding));
                    compared++;
                }
            }
        }

        Assert.True(compared > 10_000);
    }

    private static Int128 RandomInt128(Random random)
    {
        // Magnitudes spread over every bit length, so that products cross the 64-, 128- and 192-bit limbs.
        int bits = random.Next(0, 127);
        Int128 value = (Int128)(((UInt128)(ulong)random.NextInt64() << 64 | (ulong)random.NextInt64()) >> (127 - bits));
        return random.Next(2) == 0 ? value : -value;
    }
}
