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

    [Theory]
    [InlineData(31)]
    [InlineData(32)]
    public void Hardware_and_software_256_by_64_division_both_equal_big_integer_division(int seed)
    {
        var random = new Random(seed);
        for (int i = 0; i < 20_000; i++)
        {
            ulong d = random.Next(3) switch
            {
                0 => (ulong)Fixed.Scale,
                1 => (ulong)Fixed.PowerOfTen(random.Next(0, 20)),
                _ => Math.Max(1UL, (ulong)random.NextInt64() >> random.Next(0, 64)),
            };

            // The contract: hi < d (the quotient fits 128 bits). Mix in hi = 0 with a small upper limb too.
            UInt128 hi = random.Next(3) == 0 ? 0 : (ulong)random.NextInt64() % d;
            UInt128 lo = random.Next(3) == 0 ? (ulong)random.NextInt64() : (UInt128)(ulong)random.NextInt64() << 64 | (ulong)random.NextInt64();
            BigInteger dividend = ((BigInteger)hi << 128) + (BigInteger)lo;
            BigInteger expected = BigInteger.DivRem(dividend, d, out BigInteger expectedRemainder);

            UInt128 software = WideMath.DivideSoftware(hi, lo, d, out ulong softwareRemainder);
            Assert.Equal(expected, (BigInteger)software);
            Assert.Equal(expectedRemainder, (BigInteger)softwareRemainder);
            if (System.Runtime.Intrinsics.X86.X86Base.X64.IsSupported)
            {
                UInt128 hardware = WideMath.DivideHardware(hi, lo, d, out ulong hardwareRemainder);
                Assert.Equal(expected, (BigInteger)hardware);
                Assert.Equal(expectedRemainder, (BigInteger)hardwareRemainder);
            }
        }
    }

    [Theory]
    [InlineData(41)]
    public void Integer_square_root_is_the_floor_on_both_sides_of_64_bits(int seed)
    {
        var random = new Random(seed);
        for (int i = 0; i < 20_000; i++)
        {
            int bits = random.Next(0, 129);
            UInt128 n = bits == 0 ? 0 : ((UInt128)(ulong)random.NextInt64() << 64 | (ulong)random.NextInt64()) >> (128 - bits);
            UInt128 root = WideMath.SqrtFloor(n);
            BigInteger r = (BigInteger)root;
            Assert.True(r * r <= (BigInteger)n && (r + 1) * (r + 1) > (BigInteger)n, $"sqrt({n}) = {root}");
        }

        Assert.Equal((UInt128)uint.MaxValue, WideMath.SqrtFloor(ulong.MaxValue));
        Assert.Equal((UInt128)1UL << 32, WideMath.SqrtFloor((UInt128)ulong.MaxValue + 1));
    }

    private static Int128 RandomInt128(Random random)
    {
        // Magnitudes spread over every bit length, so that products cross the 64-, 128- and 192-bit limbs.
        int bits = random.Next(0, 127);
        Int128 value = (Int128)(((UInt128)(ulong)random.NextInt64() << 64 | (ulong)random.NextInt64()) >> (127 - bits));
        return random.Next(2) == 0 ? value : -value;
    }
}
