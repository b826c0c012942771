using Clearing.Domain.Numerics;

namespace Clearing.Domain.Markets;

/// <summary>
/// Funding through a cumulative index (USD per unit of base, as drift's cumulative funding rate): the index
/// rises while longs pay shorts. A position owes size × (index now − index at its last settlement).
/// </summary>
public static class Funding
{
    public const long SecondsPerHour = 3600;

    /// <summary>
    /// Hourly funding rate from the premium: (mark TWAP − index TWAP) / index TWAP, clamped to ±<paramref name="maxHourlyRate"/>.
    /// Rounded toward zero: the rate is shared by both sides, so neither direction is "against the account";
    /// rounding is applied per position in <see cref="Owed"/> instead.
    /// </summary>
    public static Fixed HourlyRate(Fixed markTwap, Fixed indexTwap, Fixed maxHourlyRate)
    {
        if (!indexTwap.IsPositive)
        {
            throw new ArgumentOutOfRangeException(nameof(indexTwap), "Index TWAP must be positive.");
        }

        Fixed premium = markTwap - indexTwap;
        Fixed rate = premium.Div(indexTwap, premium.IsNegative ? Rounding.Up : Rounding.Down);
        return Fixed.Max(-maxHourlyRate, Fixed.Min(maxHourlyRate, rate));
    }

    /// <summary>Decimals of the cumulative index's increments: drift's FUNDING_RATE_PRECISION (10^-9 USD per unit of
    /// base). An index that starts with at most 9 decimals keeps at most 9, which the risk book's lot kernel values
    /// without a division per position.</summary>
    public const int IndexDecimals = 9;

    /// <summary>Advances the cumulative index by rate × index price × elapsed / 1 h, rounded toward zero to
    /// <see cref="IndexDecimals"/> decimals.</summary>
    public static Fixed AdvanceIndex(Fixed cumulativeIndex, Fixed hourlyRate, Fixed indexPrice, long elapsedSeconds)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(elapsedSeconds);
        Fixed perUnitPerHour = hourlyRate.Mul(indexPrice, hourlyRate.IsNegative ? Rounding.Up : Rounding.Down);
        Rounding towardZero = perUnitPerHour.IsNegative ? Rounding.Up : Rounding.Down;
        Fixed increment = perUnitPerHour.MulDiv(Fixed.FromInt(elapsedSeconds), Fixed.FromInt(SecondsPerHour), towardZero);
        return cumulativeIndex + increment.RoundTo(IndexDecimals, towardZero);
    }

    /// <summary>Funding the position owes (positive: the account pays; negative: it receives):
    /// size × (indexNow − lastIndex), rounded up — the account pays the extra unit, receives the lesser.</summary>
    public static Fixed Owed(Fixed size, Fixed indexNow, Fixed lastIndex) => size.MulRoundUp(indexNow - lastIndex);
}
