using System.Numerics;

namespace Clearing.Domain.Numerics;

/// <summary>
/// Token amounts are integers in the token's base units. On-chain they can be up to 256 bits; the ledger
/// holds them as <see cref="Int128"/>. This is the single place where an edge value enters the ledger type,
/// and it rejects what does not fit rather than truncating.
/// </summary>
public static class TokenAmounts
{
    /// <summary>The largest number of decimals an asset may have (so that 10^decimals and the valuation
    /// divisor fit 64 bits).</summary>
    public const int MaxDecimals = 18;

    /// <summary>Converts an on-chain integer (e.g. a uint256 from an ERC-20 log) into the ledger type.</summary>
    /// <exception cref="OverflowException">The amount does not fit a signed 128-bit integer.</exception>
    public static Int128 ToLedger(BigInteger amount)
    {
        if (amount > (BigInteger)Int128.MaxValue || amount < (BigInteger)Int128.MinValue)
        {
            throw new OverflowException(
                $"Token amount {amount} does not fit the ledger's signed 128-bit type (|amount| < 2^127).");
        }

        return (Int128)amount;
    }

    /// <summary>Parses a human decimal amount ("10.5") into base units of a token with the given decimals;
    /// more fractional digits than the token has is an error, never a silent rounding.</summary>
    public static Int128 ParseUnits(string text, int decimals)
    {
        ValidateDecimals(decimals);
        if (!DecimalText.TryParse(text, decimals, out Int128 units, out string? error))
        {
            throw new FormatException(error);
        }

        return units;
    }

    public static bool TryParseUnits(string? text, int decimals, out Int128 units, out string? error)
    {
        ValidateDecimals(decimals);
        return DecimalText.TryParse(text, decimals, out units, out error);
    }

    /// <summary>Base units as an exact human decimal string.</summary>
    public static string FormatUnits(Int128 units, int decimals)
    {
        ValidateDecimals(decimals);
        return DecimalText.Format(units, decimals);
    }

    /// <summary>USD value of <paramref name="units"/> base units at <paramref name="price"/> USD per whole
    /// token: units × price / 10^decimals, rounded in the given direction. Allocation-free.</summary>
    public static Fixed Value(Int128 units, Fixed price, int decimals, Rounding rounding) =>
        Fixed.FromRaw(WideMath.MulDiv(units, price.Raw, Fixed.PowerOfTen(decimals), rounding));

    /// <summary>Base units worth <paramref name="value"/> USD at <paramref name="price"/>: value × 10^decimals /
    /// price, rounded in the given direction.</summary>
    public static Int128 UnitsForValue(Fixed value, Fixed price, int decimals, Rounding rounding)
    {
        if (!price.IsPositive)
        {
            throw new ArgumentOutOfRangeException(nameof(price), "Price must be positive.");
        }

        return WideMath.MulDiv(value.Raw, Fixed.PowerOfTen(decimals), price.Raw, rounding);
    }

    public static void ValidateDecimals(int decimals)
    {
        if (decimals is < 0 or > MaxDecimals)
        {
            throw new ArgumentOutOfRangeException(nameof(decimals), decimals, $"Token decimals must be within 0..{MaxDecimals}.");
        }
    }
}
