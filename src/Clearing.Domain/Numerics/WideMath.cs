using System.Numerics;

namespace Clearing.Domain.Numerics;

/// <summary>
/// Exact integer kernels behind <see cref="Fixed"/> and token valuation: a·b/d with a 256-bit intermediate
/// and explicit rounding, and integer square roots. Allocation-free whenever the divisor fits 64 bits (every
/// per-balance and per-position valuation divides by 10^decimals or 10^18); a larger divisor with a product
/// beyond 128 bits falls back to <see cref="BigInteger"/>.
/// </summary>
public static class WideMath
{
    /// <summary>a·b/d rounded in the given direction. d must be positive. Throws OverflowException when the
    /// result does not fit an Int128.</summary>
    public static Int128 MulDiv(Int128 a, Int128 b, Int128 d, Rounding rounding)
    {
        if (d <= 0)
        {
            throw new DivideByZeroException("MulDiv divisor must be positive.");
        }

        bool negative = (a < 0) ^ (b < 0);
        UInt128 ua = Magnitude(a);
        UInt128 ub = Magnitude(b);
        UInt128 ud = (UInt128)d;
        UInt128 hi = UInt128.BigMul(ua, ub, out UInt128 lo);

        UInt128 quotient;
        bool inexact;
        if (hi == 0)
        {
            quotient = UInt128.DivRem(lo, ud).Quotient;
            inexact = lo % ud != 0;
        }
        else if (ud <= ulong.MaxValue)
        {
            (UInt128 qHi, UInt128 qLo, UInt128 rem) = Divide256By64(hi, lo, (ulong)ud);
            if (qHi != 0)
            {
                throw Overflow();
            }

            quotient = qLo;
            inexact = rem != 0;
        }
        else
        {
            return MulDivBig(a, b, d, rounding);
        }

        // Magnitude rounding: for a positive result "Up" adds one, for a negative result "Down" adds one.
        if (inexact && (negative ? rounding == Rounding.Down : rounding == Rounding.Up))
        {
            quotient += 1;
        }

        return FromMagnitude(quotient, negative && quotient != 0);
    }

    /// <summary>Floor of the square root of a non-negative integer.</summary>
    public static UInt128 SqrtFloor(UInt128 n)
    {
        if (n < 2)
        {
            return n;
        }

        // Start above the root (2^ceil(bits/2)) and apply Newton's iteration, which decreases monotonically
        // to the floor of the root.
        int bits = 128 - (int)UInt128.LeadingZeroCount(n);
        UInt128 x = UInt128.One << ((bits + 1) / 2);
        while (true)
        {
            UInt128 y = (x + n / x) >> 1;
            if (y >= x)
            {
                return x;
            }

            x = y;
        }
    }

    /// <summary>Floor of the square root of a non-negative big integer.</summary>
    public static BigInteger SqrtFloor(BigInteger n)
    {
        if (n.Sign < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(n), "Square root of a negative number.");
        }

        if (n < 2)
        {
            return n;
        }

        int bits = (int)n.GetBitLength();
        BigInteger x = BigInteger.One << ((bits + 1) / 2);
        while (true)
        {
            BigInteger y = (x + n / x) >> 1;
            if (y >= x)
            {
                return x;
            }

            x = y;
        }
    }

    internal static UInt128 Magnitude(Int128 v) => v < 0 ? (UInt128)(-(v + 1)) + 1 : (UInt128)v;

    internal static Int128 FromMagnitude(UInt128 magnitude, bool negative)
    {
        if (negative)
        {
            if (magnitude > (UInt128)Int128.MaxValue + 1)
            {
                throw Overflow();
            }

            return magnitude == (UInt128)Int128.MaxValue + 1 ? Int128.MinValue : -(Int128)magnitude;
        }

        if (magnitude > (UInt128)Int128.MaxValue)
        {
            throw Overflow();
        }

        return (Int128)magnitude;
    }

    private static (UInt128 QuotientHigh, UInt128 QuotientLow, UInt128 Remainder) Divide256By64(UInt128 hi, UInt128 lo, ulong d)
    {
        // Schoolbook division limb by limb: the running remainder is < d < 2^64, so (remainder·2^64 + limb)
        // always fits 128 bits.
        Span<ulong> limbs = [(ulong)(hi >> 64), (ulong)hi, (ulong)(lo >> 64), (ulong)lo];
        Span<ulong> q = stackalloc ulong[4];
        UInt128 rem = 0;
        for (int i = 0; i < 4; i++)
        {
            UInt128 cur = (rem << 64) | limbs[i];
            (UInt128 qi, rem) = UInt128.DivRem(cur, d);
            q[i] = (ulong)qi;
        }

        return (((UInt128)q[0] << 64) | q[1], ((UInt128)q[2] << 64) | q[3], rem);
    }

    private static Int128 MulDivBig(Int128 a, Int128 b, Int128 d, Rounding rounding)
    {
        BigInteger product = (BigInteger)a * (BigInteger)b;
        BigInteger q = BigInteger.DivRem(product, (BigInteger)d, out BigInteger rem);
        if (!rem.IsZero)
        {
            // BigInteger division truncates toward zero.
            if (product.Sign > 0 && rounding == Rounding.Up)
            {
                q += 1;
            }
            else if (product.Sign < 0 && rounding == Rounding.Down)
            {
                q -= 1;
            }
        }

        if (q > (BigInteger)Int128.MaxValue || q < (BigInteger)Int128.MinValue)
        {
            throw Overflow();
        }

        return (Int128)q;
    }

    private static OverflowException Overflow() =>
        new("Fixed-point result does not fit 128 bits (|value| must stay below ~1.7e20 at 18 decimals).");
}
