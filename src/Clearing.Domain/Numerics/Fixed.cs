using System.Globalization;
using System.Numerics;
using System.Text;

namespace Clearing.Domain.Numerics;

/// <summary>
/// Signed fixed-point number with 18 decimal places stored in an <see cref="Int128"/>: the unit of USD
/// values, prices, ratios and weights. Range ±1.7·10^20 (enough for any USD figure), resolution 10^-18.
/// Addition and subtraction are exact (checked); every multiplication or division names its rounding
/// direction (<see cref="MulRoundDown"/>, <see cref="MulRoundUp"/>, ...). No binary floating point is ever
/// involved: values come from decimal strings, integers or raw units.
/// </summary>
public readonly struct Fixed : IEquatable<Fixed>, IComparable<Fixed>
{
    /// <summary>Number of decimal places.</summary>
    public const int Decimals = 18;

    /// <summary>10^18, the raw value of 1.</summary>
    public static readonly Int128 Scale = Int128.Parse("1000000000000000000", CultureInfo.InvariantCulture);

    public static readonly Fixed Zero = default;
    public static readonly Fixed One = new(Scale);
    public static readonly Fixed MaxValue = new(Int128.MaxValue);
    public static readonly Fixed MinValue = new(Int128.MinValue + 1);

    private static readonly Int128[] PowersOfTen = BuildPowersOfTen();

    private Fixed(Int128 raw) => Raw = raw;

    /// <summary>The value times 10^18.</summary>
    public Int128 Raw { get; }

    public int Sign => Raw.CompareTo(Int128.Zero);

    public bool IsZero => Raw == 0;

    public bool IsNegative => Raw < 0;

    public bool IsPositive => Raw > 0;

    public static Fixed FromRaw(Int128 raw) => new(raw);

    public static Fixed FromInt(long value) => new(checked((Int128)value * Scale));

    /// <summary>value / 10^decimals exactly (decimals 0..18), e.g. FromScaled(15, 1) = 1.5.</summary>
    public static Fixed FromScaled(Int128 value, int decimals) => new(checked(value * PowerOfTen(Decimals - decimals)));

    /// <summary>numerator / denominator rounded in the given direction, e.g. FromRatio(1, 3, Rounding.Up).</summary>
    public static Fixed FromRatio(Int128 numerator, Int128 denominator, Rounding rounding)
    {
        if (denominator < 0)
        {
            (numerator, denominator) = (-numerator, -denominator);
        }

        return new(WideMath.MulDiv(numerator, Scale, denominator, rounding));
    }

    /// <summary>10^exponent for exponent 0..36 (the powers used by token decimals and this scale).</summary>
    public static Int128 PowerOfTen(int exponent)
    {
        if ((uint)exponent >= (uint)PowersOfTen.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(exponent), exponent, "Power of ten must be within 0..36.");
        }

        return PowersOfTen[exponent];
    }

    public static Fixed operator +(Fixed a, Fixed b) => new(checked(a.Raw + b.Raw));

    public static Fixed operator -(Fixed a, Fixed b) => new(checked(a.Raw - b.Raw));

    public static Fixed operator -(Fixed a) => new(checked(-a.Raw));

    public static bool operator ==(Fixed a, Fixed b) => a.Raw == b.Raw;

    public static bool operator !=(Fixed a, Fixed b) => a.Raw != b.Raw;

    public static bool operator <(Fixed a, Fixed b) => a.Raw < b.Raw;

    public static bool operator >(Fixed a, Fixed b) => a.Raw > b.Raw;

    public static bool operator <=(Fixed a, Fixed b) => a.Raw <= b.Raw;

    public static bool operator >=(Fixed a, Fixed b) => a.Raw >= b.Raw;

    public static Fixed Min(Fixed a, Fixed b) => a.Raw <= b.Raw ? a : b;

    public static Fixed Max(Fixed a, Fixed b) => a.Raw >= b.Raw ? a : b;

    public Fixed Abs() => Raw < 0 ? -this : this;

    public Fixed Mul(Fixed other, Rounding rounding) => new(WideMath.MulDiv(Raw, other.Raw, Scale, rounding));

    /// <summary>this × other, rounded toward −∞.</summary>
    public Fixed MulRoundDown(Fixed other) => Mul(other, Rounding.Down);

    /// <summary>this × other, rounded toward +∞.</summary>
    public Fixed MulRoundUp(Fixed other) => Mul(other, Rounding.Up);

    public Fixed Div(Fixed divisor, Rounding rounding)
    {
        if (divisor.Raw == 0)
        {
            throw new DivideByZeroException("Fixed-point division by zero.");
        }

        return divisor.Raw > 0
            ? new(WideMath.MulDiv(Raw, Scale, divisor.Raw, rounding))
            : new(WideMath.MulDiv(-Raw, Scale, -divisor.Raw, rounding));
    }

    /// <summary>this / divisor, rounded toward −∞.</summary>
    public Fixed DivRoundDown(Fixed divisor) => Div(divisor, Rounding.Down);

    /// <summary>this / divisor, rounded toward +∞.</summary>
    public Fixed DivRoundUp(Fixed divisor) => Div(divisor, Rounding.Up);

    /// <summary>this × multiplier / divisor with one rounding (a 256-bit intermediate).</summary>
    public Fixed MulDiv(Fixed multiplier, Fixed divisor, Rounding rounding)
    {
        if (divisor.Raw == 0)
        {
            throw new DivideByZeroException("Fixed-point division by zero.");
        }

        Int128 a = divisor.Raw > 0 ? Raw : -Raw;
        return new(WideMath.MulDiv(a, multiplier.Raw, Int128.Abs(divisor.Raw), rounding));
    }

    /// <summary>this × an integer, exact (checked).</summary>
    public Fixed MulInt(Int128 factor) => new(checked(Raw * factor));

    /// <summary>Square root of a non-negative value, rounded in the given direction.</summary>
    public Fixed Sqrt(Rounding rounding)
    {
        if (Raw < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(rounding), "Square root of a negative value.");
        }

        // sqrt(raw / 10^18) · 10^18 = sqrt(raw · 10^18); below ~340 the product fits 128 bits and no
        // BigInteger (no allocation) is needed.
        UInt128 scale = (UInt128)Scale;
        if ((UInt128)Raw <= UInt128.MaxValue / scale)
        {
            UInt128 square = (UInt128)Raw * scale;
            UInt128 floor = WideMath.SqrtFloor(square);
            return new((Int128)(rounding == Rounding.Up && floor * floor != square ? floor + 1 : floor));
        }

        BigInteger n = (BigInteger)Raw * (BigInteger)Scale;
        BigInteger root = WideMath.SqrtFloor(n);
        if (rounding == Rounding.Up && root * root != n)
        {
            root += 1;
        }

        return new((Int128)root);
    }

    /// <summary>Rounds to the given number of decimals (0..18) in the given direction.</summary>
    public Fixed RoundTo(int decimals, Rounding rounding)
    {
        Int128 unit = PowerOfTen(Decimals - decimals);
        return new(checked(WideMath.MulDiv(Raw, 1, unit, rounding) * unit));
    }

    /// <summary>The value in units of 10^-decimals (e.g. token base units), rounded in the given direction.</summary>
    public Int128 ToScaled(int decimals, Rounding rounding) =>
        WideMath.MulDiv(Raw, 1, PowerOfTen(Decimals - decimals), rounding);

    /// <summary>Parses an exact decimal string: optional sign, digits, optional '.' and up to 18 fraction digits
    /// (more are accepted only when they are zeros). No exponent, no grouping, no whitespace.</summary>
    public static Fixed Parse(string text)
    {
        if (!TryParse(text, out Fixed value, out string? error))
        {
            throw new FormatException(error);
        }

        return value;
    }

    public static bool TryParse(string? text, out Fixed value) => TryParse(text, out value, out _);

    public static bool TryParse(string? text, out Fixed value, out string? error)
    {
        value = Zero;
        if (!DecimalText.TryParse(text, Decimals, out Int128 scaled, out error))
        {
            return false;
        }

        value = new(scaled);
        return true;
    }

    /// <summary>Exact decimal text: no exponent, no trailing fractional zeros ("-12.5", "0", "100").</summary>
    public override string ToString() => DecimalText.Format(Raw, Decimals);

    public bool Equals(Fixed other) => Raw == other.Raw;

    public override bool Equals(object? obj) => obj is Fixed other && Equals(other);

    public override int GetHashCode() => Raw.GetHashCode();

    public int CompareTo(Fixed other) => Raw.CompareTo(other.Raw);

    private static Int128[] BuildPowersOfTen()
    {
        var powers = new Int128[37];
        powers[0] = 1;
        for (int i = 1; i < powers.Length; i++)
        {
            powers[i] = powers[i - 1] * 10;
        }

        return powers;
    }
}

/// <summary>Exact conversion between decimal text and scaled integers (shared by <see cref="Fixed"/> and token amounts).</summary>
public static class DecimalText
{
    /// <summary>Parses "[-]digits[.digits]" into value·10^decimals; fails (with the reason) on anything else,
    /// on non-zero digits beyond <paramref name="decimals"/>, and on values beyond Int128.</summary>
    public static bool TryParse(string? text, int decimals, out Int128 scaled, out string? error)
    {
        scaled = 0;
        error = null;
        if (string.IsNullOrEmpty(text))
        {
            error = "empty number";
            return false;
        }

        int i = 0;
        bool negative = false;
        if (text[0] is '-' or '+')
        {
            negative = text[0] == '-';
            i = 1;
        }

        BigInteger magnitude = BigInteger.Zero;
        int integerDigits = 0;
        int fractionDigits = 0;
        bool seenPoint = false;
        for (; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '.')
            {
                if (seenPoint)
                {
                    error = $"'{text}' is not a decimal number (two decimal points)";
                    return false;
                }

                seenPoint = true;
                continue;
            }

            if (c is < '0' or > '9')
            {
                error = $"'{text}' is not a decimal number (unexpected '{c}')";
                return false;
            }

            if (seenPoint)
            {
                fractionDigits++;
                if (fractionDigits > decimals)
                {
                    if (c != '0')
                    {
                        error = $"'{text}' has more than {decimals} decimal places";
                        return false;
                    }

                    continue;
                }
            }
            else
            {
                integerDigits++;
            }

            magnitude = magnitude * 10 + (c - '0');
        }

        if (integerDigits == 0 && fractionDigits == 0)
        {
            error = $"'{text}' is not a decimal number (no digits)";
            return false;
        }

        if (seenPoint && fractionDigits == 0)
        {
            error = $"'{text}' is not a decimal number (no digits after the decimal point)";
            return false;
        }

        magnitude *= BigInteger.Pow(10, decimals - Math.Min(fractionDigits, decimals));
        BigInteger signed = negative ? -magnitude : magnitude;
        if (signed > (BigInteger)Int128.MaxValue || signed < (BigInteger)Int128.MinValue)
        {
            error = $"'{text}' is out of range";
            return false;
        }

        scaled = (Int128)signed;
        return true;
    }

    /// <summary>Formats value·10^-decimals exactly, without trailing fractional zeros.</summary>
    public static string Format(Int128 scaled, int decimals)
    {
        bool negative = scaled < 0;
        UInt128 magnitude = WideMath.Magnitude(scaled);
        string digits = magnitude.ToString(CultureInfo.InvariantCulture);
        if (decimals == 0)
        {
            return negative ? "-" + digits : digits;
        }

        if (digits.Length <= decimals)
        {
            digits = new string('0', decimals - digits.Length + 1) + digits;
        }

        string integerPart = digits[..^decimals];
        string fractionPart = digits[^decimals..].TrimEnd('0');
        var sb = new StringBuilder();
        if (negative)
        {
            sb.Append('-');
        }

        sb.Append(integerPart);
        if (fractionPart.Length > 0)
        {
            sb.Append('.').Append(fractionPart);
        }

        return sb.ToString();
    }
}
