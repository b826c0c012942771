using Clearing.Domain.Numerics;

namespace Clearing.Domain.Markets;

/// <summary>
/// Drift's size premium (IMF factor), the same formula, integer units and truncations as the drift SDK's
/// <c>calculateSizePremiumLiabilityWeight</c> and <c>calculateMarketMarginRatio</c> (protocol-v2, sdk/src/math):
/// <code>
/// sizeSqrt  = isqrt(|size| × 10 + 1)                      // size in BASE_PRECISION 1e9 → 1e10 → sqrt 1e5
/// numerator = w − w / 5                                    // integer division
/// denom     = 100_000 × IMF_PRECISION / precision          // IMF_PRECISION = 1e6
/// premium   = numerator + sizeSqrt × imfFactor / denom
/// result    = max(w, premium)
/// </code>
/// A margin ratio is in MARGIN_PRECISION (1e4 = 100%); the market ratio applies the premium to the initial
/// ratio (Initial) or the maintenance ratio (Maintenance), and Initial takes the larger of that and the
/// user's custom ratio.
/// </summary>
public static class DriftMargin
{
    /// <summary>Drift's BASE_PRECISION: position sizes in 1e-9 of the base asset.</summary>
    public const long BasePrecision = 1_000_000_000;

    /// <summary>Drift's MARGIN_PRECISION: margin ratios in 1e-4.</summary>
    public const long MarginPrecision = 10_000;

    /// <summary>Drift's SPOT_MARKET_IMF_PRECISION: IMF factors in 1e-6.</summary>
    public const long ImfPrecision = 1_000_000;

    /// <summary>The size-premium liability weight, integer semantics of drift's SDK (truncating divisions).</summary>
    /// <param name="size">|position size| in <see cref="BasePrecision"/> units.</param>
    /// <param name="imfFactor">IMF factor in <see cref="ImfPrecision"/> units; 0 disables the premium.</param>
    /// <param name="liabilityWeight">Base weight or ratio in units of <paramref name="precision"/>.</param>
    public static Int128 SizePremiumLiabilityWeight(UInt128 size, long imfFactor, long liabilityWeight, long precision)
    {
        if (imfFactor == 0)
        {
            return liabilityWeight;
        }

        ArgumentOutOfRangeException.ThrowIfNegative(imfFactor);
        UInt128 sizeSqrt = WideMath.SqrtFloor(checked(size * 10 + 1));
        Int128 numerator = liabilityWeight - liabilityWeight / 5;
        Int128 denominator = (Int128)100_000 * ImfPrecision / precision;
        if (denominator <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(precision), "Precision must be below 1e11 for the size premium.");
        }

        Int128 premium = numerator + checked((Int128)sizeSqrt * imfFactor) / denominator;
        return Int128.Max(liabilityWeight, premium);
    }

    /// <summary>drift's calculateMarketMarginRatio for Initial / Maintenance, ratios in 1e4.</summary>
    public static Int128 MarketMarginRatio(long initialRatio, long maintenanceRatio, long imfFactor, UInt128 size, bool initial, long customMarginRatio = 0)
    {
        if (initial)
        {
            return Int128.Max(SizePremiumLiabilityWeight(size, imfFactor, initialRatio, MarginPrecision), customMarginRatio);
        }

        return SizePremiumLiabilityWeight(size, imfFactor, maintenanceRatio, MarginPrecision);
    }

    /// <summary>
    /// Our margin ratio with the premium, from fixed-point inputs: the size converts to 1e9 units and the base
    /// ratio to 1e4 units, both rounded up (against the account); the premium result (a 1e4 integer) converts
    /// back exactly. The base ratio itself is kept when the premium does not bind, so a ratio with more than
    /// four decimals is not coarsened.
    /// </summary>
    public static Fixed RatioWithSizePremium(Fixed baseRatio, long imfFactor, Fixed absSize)
    {
        if (imfFactor == 0)
        {
            return baseRatio;
        }

        UInt128 size = (UInt128)absSize.ToScaled(9, Rounding.Up);
        long ratio = (long)baseRatio.ToScaled(4, Rounding.Up);
        Int128 premium = SizePremiumLiabilityWeight(size, imfFactor, ratio, MarginPrecision);
        return Fixed.Max(baseRatio, Fixed.FromScaled(premium, 4));
    }
}
