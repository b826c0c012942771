using System.Numerics;
using Clearing.Domain.Numerics;

namespace Clearing.Domain.Tests.Numerics;

public sealed class InvariantDivisorTests
{
    [Theory]
    [InlineData(51)]
    [InlineData(52)]
    [InlineData(53)]
    public void Division_with_the_precomputed_reciprocal_equals_big_integer_division(int seed)
    {
        var random = new Random(seed);
        for (var i = 0; i < 4_000; i++)
        {
            var d = random.Next(5) switch
            {
                0 => (ulong)Fixed.PowerOfTen(random.Next(0, 19)),
                1 => (ulong)random.Next(1, 1000),
                2 => ulong.MaxValue - (ulong)random.Next(0, 3),
                3 => 1UL << random.Next(0, 64),
                _ => (ulong)random.NextInt64(1, long.MaxValue) << random.Next(0, 2),
            };
            var divisor = new InvariantDivisor(d);
            foreach (var n in Dividends(random, d))
            {
                var q = divisor.DivRem(n, out var r);
                Assert.Equal((BigInteger)n / d, (BigInteger)q);
                Assert.Equal((BigInteger)n % d, (BigInteger)r);
                if (n >> 64 < d)
                {
                    Assert.Equal((BigInteger)n / d, (BigInteger)divisor.DivRemSmallQuotient((ulong)(n >> 64), (ulong)n, out var small));
                    Assert.Equal(r, small);
                }
            }
        }
    }

    /// <summary>Random dividends of every size, and the edges: multiples of d and one either side, d·2^64 − 1
    /// (the largest with a 64-bit quotient), 0 and 2^128 − 1.</summary>
    private static IEnumerable<UInt128> Dividends(Random random, ulong d)
    {
        for (var i = 0; i < 6; i++)
        {
            yield return (((UInt128)(ulong)random.NextInt64() << 64) | (ulong)random.NextInt64()) >> random.Next(0, 128);
        }

        var multiple = (UInt128)d * (ulong)random.NextInt64();
        yield return multiple;
        yield return multiple + 1;
        if (multiple > 0)
        {
            yield return multiple - 1;
        }

        yield return ((UInt128)d << 64) - 1;
        yield return 0;
        yield return UInt128.MaxValue;
    }
}
