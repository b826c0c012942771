using System.Runtime.CompilerServices;
using Clearing.Domain.Markets;
using Clearing.Domain.Numerics;

namespace Clearing.Domain.RiskBook;

/// <summary>One side of a market in lots of 10^-9 USD: the adverse price, and ±(price − ⌊index⌋).</summary>
internal readonly struct LotSide(ulong price, long difference)
{
    public readonly ulong Price = price;
    public readonly long Difference = difference;

    /// <summary>The price split at 10^4 lots (for requirements of ratios with at most four decimals).</summary>
    public readonly ulong PriceHigh = price / LotKernel.RatioScale;
    public readonly ulong PriceLow = price % LotKernel.RatioScale;
}

/// <summary>The long side (index 0) and the short side (index 1), contiguous: a position picks its side by index,
/// without a branch (half the positions are short, in no predictable order).</summary>
[InlineArray(2)]
internal struct LotSides
{
    private LotSide _long;
}

/// <summary>
/// A position whose size is a whole number of lots of 10^-9 (drift's BASE_PRECISION; venues trade in lots), prepared
/// for <see cref="LotKernel"/>: its lots, the price-independent part of its equity, and each requirement's
/// lots × ratio split at 10^18.
/// </summary>
internal readonly struct LotRow
{
    public LotRow(Fixed size, Fixed entryPrice, Fixed lastFundingIndex, in PositionRow row)
    {
        Fixed absSize = size.Abs();
        Ready = row.Fast && absSize.Raw % LotKernel.Lot == 0;
        if (!Ready)
        {
            return;
        }

        Side = row.Side;
        Lots = (ulong)(absSize.Raw / LotKernel.Lot);
        Int128 entry = PositionKernel.FloorDivScale(absSize.Raw, entryPrice.Raw, out ulong entryFraction);
        Int128 funding = PositionKernel.FloorDivScale(absSize.Raw, lastFundingIndex.Raw, out LastFundingFraction);

        // See LotKernel: long equity = lots·(P − i₁) − x + (L₁ − E₁ − [e₀ > 0]) − [x₀ > l₀];
        // short equity = lots·(i₁ − P) + x + (E₁ − L₁) − [x₀ < l₀]. With an index of at most 9 decimals x = x₀ = 0.
        Int128 constant = row.Long ? funding - entry - (entryFraction > 0 ? 1 : 0) : entry - funding;
        Int128 lotIndexConstant = constant - (!row.Long && LastFundingFraction > 0 ? 1 : 0);
        LotIndexConstantLow = (ulong)lotIndexConstant;
        LotIndexConstantHigh = (ulong)(lotIndexConstant >> 64);
        PremiumInit = row.PremiumInit;
        PremiumMaint = row.PremiumMaint;

        // Ratios with at most four decimals (drift's MARGIN_PRECISION) split lots × ratio at 10^4 instead of 10^18.
        const long fourDecimals = 100_000_000_000_000;
        FourDecimalRatios = PremiumInit % fourDecimals == 0 && PremiumMaint % fourDecimals == 0;
        Int128 scale = FourDecimalRatios ? LotKernel.RatioScale : Fixed.Scale;
        Int128 initProduct = (Int128)Lots * (FourDecimalRatios ? PremiumInit / fourDecimals : PremiumInit);
        Int128 maintProduct = (Int128)Lots * (FourDecimalRatios ? PremiumMaint / fourDecimals : PremiumMaint);
        InitWhole = (ulong)(initProduct / scale);
        InitRemainder = (ulong)(initProduct % scale);
        MaintWhole = (ulong)(maintProduct / scale);
        MaintRemainder = (ulong)(maintProduct % scale);
    }

    public readonly ulong Lots;

    /// <summary>The price-independent part of the equity when the market's index has at most 9 decimals (a short's
    /// funding comparison [0 &lt; l₀] folded in; <see cref="LotKernel"/> adds it back for an index with more).</summary>
    public readonly ulong LotIndexConstantLow;
    public readonly ulong LotIndexConstantHigh;
    public readonly ulong LastFundingFraction;

    /// <summary>True: the ratios have at most four decimals and the wholes and remainders below are lots × ratio
    /// split at 10^4 (ratio in 10^-4); false: split at 10^18 (ratio raw).</summary>
    public readonly bool FourDecimalRatios;

    /// <summary>lots × ratio split as <see cref="FourDecimalRatios"/> says, for the init and maint size-premium ratios.</summary>
    public readonly ulong InitWhole;
    public readonly ulong InitRemainder;
    public readonly ulong MaintWhole;
    public readonly ulong MaintRemainder;
    public readonly ulong PremiumInit;
    public readonly ulong PremiumMaint;

    /// <summary>0 for a long, 1 for a short (the index into <see cref="LotSides"/> and <see cref="SplitPrices"/>).</summary>
    public readonly int Side;
    public readonly bool Ready;
}

/// <summary>
/// <see cref="PerpMargin.Contributions"/> for a position in lots on a market whose prices have at most 9 decimals
/// (as oracles publish them). With size m = q·10^9 and price P = p·10^9 (raw), m·P/10^18 = q·p exactly, so the
/// unrealized value and the notional are one multiplication each and have no rounding. The funding index I = i₁·10^9 + i₀
/// may have 18 decimals: m·I/10^18 = q·i₁ + ⌊q·i₀/10^9⌋ + fraction, one reciprocal division when i₀ ≠ 0. The equity's
/// roundings (pnl down, funding up) then reduce to a per-position constant and one comparison of fractions:
/// <list type="bullet">
/// <item>long: ⌊m(P − E)/S⌋ − ⌈m(I − L)/S⌉ = q·(p − i₁) − x + L₁ − E₁ − [e₀ &gt; 0] − [x₀ &gt; l₀];</item>
/// <item>short: ⌊m(E − P)/S⌋ − ⌈m(L − I)/S⌉ = q·(i₁ − p) + x + E₁ − L₁ − [x₀ &lt; l₀];</item>
/// </list>
/// where E₁ + e₀/S = m·E/S and L₁ + l₀/S = m·L/S (prepared, exact) and x + x₀/S = q·i₀/10^9. Each requirement
/// ⌈N·r/S⌉ with N = q·p and q·r = W·S + R (prepared) is p·W + ⌈p·R/S⌉; for a ratio with at most four decimals
/// (k = r/10^14) and q·k = W·10^4 + R, it is p·W + ⌊p/10^4⌋·R + ⌈(p mod 10^4)·R/10^4⌉, without a reciprocal division. Valid while the size premium is at least the
/// volatility add-on (the ratio is then the prepared one); otherwise <see cref="PositionKernel"/> runs. Bounds are
/// <see cref="PositionKernel"/>'s (q, p below 2^57, ratios at most 2^61), so every contribution stays below 2^118.
/// Results are the domain's bit for bit (ExposureKernelTests).
/// </summary>
internal static class LotKernel
{
    /// <summary>One lot, raw: 10^9 (10^-9 of a unit, or of a USD for prices).</summary>
    public const long Lot = 1_000_000_000;

    /// <summary>10^4: a ratio with at most four decimals is a whole number of 10^-4.</summary>
    public const ulong RatioScale = 10_000;

    private static readonly InvariantDivisor LotDivisor = new(Lot);

    /// <summary>Adds the position's contributions; false (nothing added) when the position is not in lots, the
    /// market's prices are not, or the volatility add-on exceeds the size premium.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryAdd(in LotRow row, in MarketFactors market, ref HealthSums sums)
    {
        if (!(row.Ready & market.Lot) || row.PremiumInit < market.VolatilityInit || row.PremiumMaint < market.VolatilityMaint)
        {
            return false;
        }

        ref readonly LotSide side = ref market.LotSides[row.Side];
        ulong eLow = (ulong)((long)row.Lots * side.Difference), eHigh = Limbs.MultiplyHigh((long)row.Lots, side.Difference);
        if (market.IndexLotFraction == 0)
        {
            Limbs.Add(ref eLow, ref eHigh, row.LotIndexConstantLow, row.LotIndexConstantHigh);
        }
        else
        {
            AddIndexFraction(in row, market.IndexLotFraction, ref eLow, ref eHigh);
        }

        ulong initLow, initHigh, maintLow, maintHigh;
        if (row.FourDecimalRatios)
        {
            initLow = RequirementInTenThousandths(in side, row.InitWhole, row.InitRemainder, out initHigh);
            maintLow = RequirementInTenThousandths(in side, row.MaintWhole, row.MaintRemainder, out maintHigh);
        }
        else
        {
            initLow = Requirement(side.Price, row.InitWhole, row.InitRemainder, out initHigh);
            maintLow = Requirement(side.Price, row.MaintWhole, row.MaintRemainder, out maintHigh);
        }

        ulong price = side.Price;
        if (market.Tiers is { } tiers)
        {
            PositionKernel.ApplyTiers(tiers, row.Lots * price, Limbs.MultiplyHigh(row.Lots, price), ref initLow, ref initHigh, ref maintLow, ref maintHigh);
        }

        PositionKernel.AddContributions(eLow, eHigh, initLow, initHigh, maintLow, maintHigh, market.AllowsNewRisk, ref sums);
        return true;
    }

    /// <summary>The constant and the funding index's digits beyond 10^-9: x = ⌊q·i₀/10^9⌋, its fraction x₀ (raw,
    /// 10^-18) compared with l₀ (long: − x − [x₀ &gt; l₀]; short: + x − [x₀ &lt; l₀]).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddIndexFraction(in LotRow row, ulong indexFraction, ref ulong eLow, ref ulong eHigh)
    {
        ulong mask = 0UL - (ulong)row.Side;
        ulong l0 = row.LastFundingFraction;
        Limbs.Add(ref eLow, ref eHigh, row.LotIndexConstantLow, row.LotIndexConstantHigh);
        Limbs.Add(ref eLow, ref eHigh, (l0 > 0 ? 1UL : 0UL) & mask, 0);
        ulong x = LotDivisor.DivRemSmallQuotient(Limbs.MultiplyHigh(row.Lots, indexFraction), row.Lots * indexFraction, out ulong remainder);
        ulong fraction = remainder * (ulong)Lot;
        long signedX = (long)((x ^ ~mask) - ~mask);
        Limbs.Add(ref eLow, ref eHigh, (ulong)signedX, (ulong)(signedX >> 63));
        ulong rounding = ((fraction > l0 ? 1UL : 0UL) & ~mask) | ((fraction < l0 ? 1UL : 0UL) & mask);
        Limbs.Subtract(ref eLow, ref eHigh, rounding, 0);
    }

    /// <summary>With q·k = W·10^4 + R (k the ratio in 10^-4) and p = p₁·10^4 + p₀: ⌈q·p·k/10^4⌉ = p·W + p₁·R + ⌈p₀·R/10^4⌉,
    /// a division of a number below 10^8 by a constant.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong RequirementInTenThousandths(in LotSide side, ulong whole, ulong remainder, out ulong high)
    {
        ulong low = side.Price * whole;
        high = Limbs.MultiplyHigh(side.Price, whole);
        Limbs.Add(ref low, ref high, (side.PriceHigh * remainder) + (((side.PriceLow * remainder) + RatioScale - 1) / RatioScale), 0);
        return low;
    }

    /// <summary>⌈q·p·r/S⌉ = p·W + ⌈p·R/S⌉ for q·r = W·S + R (p·R &lt; 2^117, so the quotient fits 64 bits).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Requirement(ulong price, ulong whole, ulong remainder, out ulong high)
    {
        ulong low = price * whole;
        high = Limbs.MultiplyHigh(price, whole);
        ulong part = PositionKernel.ScaleDivisor.DivRemSmallQuotient(Limbs.MultiplyHigh(price, remainder), price * remainder, out ulong rest);
        Limbs.Add(ref low, ref high, part + (rest != 0 ? 1UL : 0UL), 0);
        return low;
    }
}
