using System.Runtime.CompilerServices;
using Clearing.Domain.Markets;
using Clearing.Domain.Numerics;

namespace Clearing.Domain.RiskBook;

/// <summary>A price split at 10^18: raw = whole × 10^18 + fraction, with the raw value's two limbs.</summary>
internal readonly struct SplitPrice
{
    public SplitPrice(ulong whole, ulong fraction)
    {
        Whole = whole;
        Fraction = fraction;
        UInt128 raw = ((UInt128)whole * PositionKernel.Scale) + fraction;
        RawLow = (ulong)raw;
        RawHigh = (ulong)(raw >> 64);
    }

    public readonly ulong Whole;
    public readonly ulong Fraction;
    public readonly ulong RawLow;
    public readonly ulong RawHigh;
}

/// <summary>The long side's price (index 0) and the short side's (index 1), contiguous (see <see cref="LotSides"/>).</summary>
[InlineArray(2)]
internal struct SplitPrices
{
    private SplitPrice _long;
}

/// <summary>
/// Everything price-dependent about one perp market, resolved once per tick: the adverse mark price of each side
/// (a long is valued at the low price, a short at the high one) split at 10^18, the cumulative funding index as
/// raw limbs and as floor and remainder at 10^18, and the volatility add-on ratios.
/// </summary>
internal readonly struct MarketFactors
{
    public MarketFactors(PerpMarket market, in PerpMarketState state, in AdjustedPrice mark)
    {
        Tiers = market.Tiers;
        AllowsNewRisk = mark.AllowsNewRisk;
        Fixed index = state.CumulativeFundingIndex;
        bool volatilityFits = TryVolatility(market, state.Variance, out Fixed volInit, out Fixed volMaint);
        ulong lowWhole = 0, lowFraction = 0, highWhole = 0, highFraction = 0;
        Fast = volatilityFits
            && PositionKernel.Splits(mark.Low, out lowWhole, out lowFraction)
            && PositionKernel.Splits(mark.High, out highWhole, out highFraction)
            && PositionKernel.FitsWhole(index)
            && PositionKernel.FitsRatio(volInit) && PositionKernel.FitsRatio(volMaint);
        if (!Fast)
        {
            return;
        }

        Prices[0] = new SplitPrice(lowWhole, lowFraction);
        Prices[1] = new SplitPrice(highWhole, highFraction);
        IndexRawLow = (ulong)index.Raw;
        IndexRawHigh = (ulong)(index.Raw >> 64);
        Int128 indexFloor = Int128.DivRem(index.Raw, Fixed.Scale).Quotient;
        if (indexFloor * Fixed.Scale > index.Raw)
        {
            indexFloor--;
        }

        IndexWhole = (long)indexFloor;
        IndexFraction = (ulong)(index.Raw - (indexFloor * Fixed.Scale));
        VolatilityInit = (ulong)volInit.Raw;
        VolatilityMaint = (ulong)volMaint.Raw;

        // Lot form (LotKernel): both prices in whole units of 10^-9 USD, the index split at 10^9.
        Int128 lot = LotKernel.Lot;
        Lot = mark.Low.Raw % lot == 0 && mark.High.Raw % lot == 0;
        if (Lot)
        {
            ulong lowLots = (ulong)(mark.Low.Raw / lot), highLots = (ulong)(mark.High.Raw / lot);
            Int128 indexLots = Int128.DivRem(index.Raw, lot).Quotient;
            if (indexLots * lot > index.Raw)
            {
                indexLots--;
            }

            IndexLotFraction = (ulong)(index.Raw - (indexLots * lot));
            LotSides[0] = new LotSide(lowLots, (long)lowLots - (long)indexLots);
            LotSides[1] = new LotSide(highLots, (long)indexLots - (long)highLots);
        }
    }

    /// <summary>True when both adverse prices have at most 9 decimals: positions in lots take <see cref="LotKernel"/>.</summary>
    public readonly bool Lot;

    /// <summary>Per side: the price in 10^-9 USD and ±(price − ⌊index⌋) in 10^-9 USD (+ for a long, − for a short).</summary>
    public readonly LotSides LotSides;

    /// <summary>index − ⌊index / 10^-9⌋ · 10^-9, raw (0 for an index with at most 9 decimals).</summary>
    public readonly ulong IndexLotFraction;

    public readonly bool Fast;
    public readonly bool AllowsNewRisk;
    /// <summary>The adverse price of each side: the low one for a long, the high one for a short.</summary>
    public readonly SplitPrices Prices;

    /// <summary>The funding index (signed raw) as two's-complement limbs.</summary>
    public readonly ulong IndexRawLow;
    public readonly ulong IndexRawHigh;

    /// <summary>floor(index) in whole USD (signed) and index − floor × 10^18 in [0, 10^18).</summary>
    public readonly long IndexWhole;
    public readonly ulong IndexFraction;

    /// <summary>Volatility add-on ratios (raw, 10^-18); 0 without an add-on (every ratio is ≥ 0, so the max is unchanged).</summary>
    public readonly ulong VolatilityInit;
    public readonly ulong VolatilityMaint;
    public readonly MarginTiers? Tiers;

    /// <summary>The add-on ratios, or false when they overflow: then every position in the market takes the
    /// domain's function, which throws exactly where it always did (when a position is evaluated, not on the tick).</summary>
    private static bool TryVolatility(PerpMarket market, Fixed variance, out Fixed init, out Fixed maint)
    {
        init = maint = Fixed.Zero;
        if (market.Volatility is not { } volatility)
        {
            return true;
        }

        try
        {
            init = volatility.InitialRatio(variance);
            maint = volatility.MaintenanceRatio(variance);
            return true;
        }
        catch (OverflowException)
        {
            return false;
        }
    }
}

/// <summary>
/// What does not change between ticks about one position: |size| m split at 10^18, the side, m × entry / 10^18 and
/// m × last funding index / 10^18 as floors and remainders (their floors kept as one difference), and the Drift
/// size-premium ratios (they depend on the size and the market's parameters only, not on prices).
/// </summary>
internal readonly struct PositionRow
{
    public PositionRow(Fixed size, Fixed entryPrice, Fixed lastFundingIndex, PerpMarket market)
    {
        Side = size.IsPositive ? 0 : 1;
        Fixed absSize = size.Abs();
        Fixed ratioInit = Fixed.Zero, ratioMaint = Fixed.Zero;
        ulong whole = 0;
        Fast = !size.IsZero
            && PositionKernel.Splits(absSize, out whole, out SizeFraction)
            && PositionKernel.FitsWhole(entryPrice)
            && PositionKernel.FitsWhole(lastFundingIndex)
            && PositionKernel.FitsRatio(ratioInit = DriftMargin.RatioWithSizePremium(market.InitialMarginRatio, market.ImfFactor, absSize))
            && PositionKernel.FitsRatio(ratioMaint = DriftMargin.RatioWithSizePremium(market.MaintenanceMarginRatio, market.ImfFactor, absSize));
        if (!Fast)
        {
            return;
        }

        SizeWhole = whole;
        Int128 entry = PositionKernel.FloorDivScale(absSize.Raw, entryPrice.Raw, out EntryFraction);
        Int128 funding = PositionKernel.FloorDivScale(absSize.Raw, lastFundingIndex.Raw, out LastFundingFraction);
        Int128 difference = entry - funding;
        DifferenceLow = (ulong)difference;
        DifferenceHigh = (ulong)(difference >> 64);
        PremiumInit = (ulong)ratioInit.Raw;
        PremiumMaint = (ulong)ratioMaint.Raw;
    }

    public readonly ulong SizeWhole;
    public readonly ulong SizeFraction;

    /// <summary>floor(m × entry / 10^18) − floor(m × last index / 10^18), raw, as two's-complement limbs.</summary>
    public readonly ulong DifferenceLow;
    public readonly ulong DifferenceHigh;
    public readonly ulong EntryFraction;
    public readonly ulong LastFundingFraction;
    public readonly ulong PremiumInit;
    public readonly ulong PremiumMaint;

    /// <summary>0 for a long, 1 for a short: the index of the side's price in <see cref="MarketFactors.Prices"/>.</summary>
    public readonly int Side;
    public readonly bool Fast;

    public bool Long => Side == 0;

    /// <summary>All ones for a short, zero for a long: negates a two's-complement value without a branch.</summary>
    public ulong ShortMask => 0UL - (ulong)Side;
}

/// <summary>
/// <see cref="PerpMargin.Contributions"/> for a prepared position and market, added into a pool's sums. With
/// m = |size| = m₁·S + m₀ and a price P = p₁·S + p₀ (S = 10^18), ⌊m·P/S⌋ = m₁·P + m₀·p₁ + ⌊m₀·p₀/S⌋: the only
/// division is of m₀·p₀ &lt; 2^120 by S, one step with a precomputed reciprocal. The domain's roundings then follow
/// from floors and remainders: for a long pnl = ⌊(mP − mE)/S⌋ = V − E₁ − [v₀ &lt; e₀], for a short
/// ⌊(mE − mP)/S⌋ = E₁ − V − [e₀ &lt; v₀]; funding owed ceil(±m(I − L)/S) likewise; notional ⌈mP/S⌉; each requirement
/// ⌈N·ratio/S⌉ = N₁·ratio + ⌈N₀·ratio/S⌉. Results are the domain's bit for bit (ExposureKernelTests).
/// Bounds: whole parts of size, prices and indexes below 2^27 and ratios below 2^61 keep every intermediate below
/// 2^116 and every contribution below 2^118 (<see cref="HealthSums"/>); beyond them the domain's function runs.
/// </summary>
internal static class PositionKernel
{
    public const ulong Scale = 1_000_000_000_000_000_000;

    /// <summary>Whole parts (units of base, USD per unit) of sizes, prices and funding indexes on the fast path: below 2^27.</summary>
    public const ulong WholeLimit = 1UL << 27;

    /// <summary>Ratios (raw, 10^-18) on the fast path: at most 2^61 (a margin ratio up to 2.3).</summary>
    private const ulong RatioLimit = 1UL << 61;

    internal static readonly InvariantDivisor ScaleDivisor = new(Scale);

    /// <summary><see cref="PerpMargin.Contributions"/> through the prepared factors, or through the domain's
    /// function when the position or market is outside their bounds.</summary>
    public static HealthTriple Contributions(in PositionRow row, in MarketFactors market, Fixed size, Fixed entry, Fixed lastFundingIndex, PerpMarket perp, in PerpMarketState state, in AdjustedPrice mark)
    {
        HealthSums sums = default;
        return TryAdd(in row, in market, ref sums) ? sums.Triple : PerpMargin.Contributions(size, entry, lastFundingIndex, perp, state, mark);
    }

    /// <summary>Adds the position's three contributions to <paramref name="sums"/>; false (nothing added) when the
    /// position or the market is outside the bounds, for the caller to run <see cref="PerpMargin.Contributions"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryAdd(in PositionRow row, in MarketFactors market, ref HealthSums sums)
    {
        if (!(row.Fast & market.Fast))
        {
            return false;
        }

        ref readonly SplitPrice price = ref market.Prices[row.Side];
        ulong m1 = row.SizeWhole, m0 = row.SizeFraction;

        // V + v₀/S = m·P/S.
        ulong vLow = m1 * price.RawLow, vHigh = Limbs.MultiplyHigh(m1, price.RawLow) + (m1 * price.RawHigh);
        Limbs.Add(ref vLow, ref vHigh, m0 * price.Whole, Limbs.MultiplyHigh(m0, price.Whole));
        ulong quotient = ScaleDivisor.DivRemSmallQuotient(Limbs.MultiplyHigh(m0, price.Fraction), m0 * price.Fraction, out ulong v0);
        Limbs.Add(ref vLow, ref vHigh, quotient, 0);

        // X + x₀/S = m·I/S with the signed index I = i₁·S + i₀ (i₁ = ⌊I/S⌋ signed, i₀ in [0, S)).
        ulong xLow = m1 * market.IndexRawLow, xHigh = Limbs.MultiplyHigh(m1, market.IndexRawLow) + (m1 * market.IndexRawHigh);
        Limbs.Add(ref xLow, ref xHigh, (ulong)((long)m0 * market.IndexWhole), Limbs.MultiplyHigh((long)m0, market.IndexWhole));
        quotient = ScaleDivisor.DivRemSmallQuotient(Limbs.MultiplyHigh(m0, market.IndexFraction), m0 * market.IndexFraction, out ulong x0);
        Limbs.Add(ref xLow, ref xHigh, quotient, 0);

        // equity = pnl − funding = σ·((V − E₁) − (X − L₁)) − [borrow of pnl] − [carry of funding], σ = ±1 by side:
        // long: pnl = V − E₁ − [v₀ < e₀], funding = X − L₁ + [x₀ > l₀];
        // short: pnl = E₁ − V − [e₀ < v₀], funding = L₁ − X + [x₀ < l₀].
        ulong eLow = vLow, eHigh = vHigh;
        Limbs.Subtract(ref eLow, ref eHigh, xLow, xHigh);
        Limbs.Subtract(ref eLow, ref eHigh, row.DifferenceLow, row.DifferenceHigh);
        ulong mask = row.ShortMask;
        eLow ^= mask;
        eHigh ^= mask;
        Limbs.Add(ref eLow, ref eHigh, mask & 1, 0);
        ulong e0 = row.EntryFraction, l0 = row.LastFundingFraction;
        ulong longRounding = (v0 < e0 ? 1UL : 0UL) + (x0 > l0 ? 1UL : 0UL);
        ulong shortRounding = (e0 < v0 ? 1UL : 0UL) + (x0 < l0 ? 1UL : 0UL);
        Limbs.Subtract(ref eLow, ref eHigh, (longRounding & ~mask) | (shortRounding & mask), 0);

        // Notional N = ⌈m·P/S⌉ = N₁·S + N₀, then each requirement ⌈N·ratio/S⌉ = N₁·ratio + ⌈N₀·ratio/S⌉.
        ulong nLow = vLow, nHigh = vHigh;
        Limbs.Add(ref nLow, ref nHigh, v0 != 0 ? 1UL : 0UL, 0);
        ulong n1 = ScaleDivisor.DivRemSmallQuotient(nHigh, nLow, out ulong n0);
        ulong initLow = Requirement(n1, n0, Math.Max(row.PremiumInit, market.VolatilityInit), out ulong initHigh);
        ulong maintLow = Requirement(n1, n0, Math.Max(row.PremiumMaint, market.VolatilityMaint), out ulong maintHigh);
        if (market.Tiers is { } tiers)
        {
            ApplyTiers(tiers, nLow, nHigh, ref initLow, ref initHigh, ref maintLow, ref maintHigh);
        }

        AddContributions(eLow, eHigh, initLow, initHigh, maintLow, maintHigh, market.AllowsNewRisk, ref sums);
        return true;
    }

    /// <summary>As PerpMargin.Contributions: init = equity − init requirement (0 when positive on a price that allows
    /// no new risk), liquidation-end = equity − ⌈(init + maint)/2⌉, maint = equity − maint requirement; the equity is
    /// added once (<see cref="HealthSums.Equity"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void AddContributions(ulong equityLow, ulong equityHigh, ulong initLow, ulong initHigh, ulong maintLow, ulong maintHigh, bool allowsNewRisk, ref HealthSums sums)
    {
        sums.Equity.Add(equityLow, equityHigh);
        sums.Init.Subtract(initLow, initHigh);
        if (!allowsNewRisk)
        {
            // A positive init contribution counts as zero: take it back out.
            ulong cLow = equityLow, cHigh = equityHigh;
            Limbs.Subtract(ref cLow, ref cHigh, initLow, initHigh);
            if ((long)cHigh >= 0 && (cHigh | cLow) != 0)
            {
                sums.Init.Subtract(cLow, cHigh);
            }
        }

        ulong halfLow = initLow, halfHigh = initHigh;
        Limbs.Add(ref halfLow, ref halfHigh, maintLow, maintHigh);
        Limbs.Add(ref halfLow, ref halfHigh, 1, 0);
        halfLow = (halfLow >> 1) | (halfHigh << 63);
        halfHigh >>= 1;
        sums.LiquidationEnd.Subtract(halfLow, halfHigh);
        sums.Maint.Subtract(maintLow, maintHigh);
    }

    /// <summary>Splits a non-negative value at 10^18 when its whole part is below <see cref="WholeLimit"/>.</summary>
    internal static bool Splits(Fixed value, out ulong whole, out ulong fraction)
    {
        whole = 0;
        fraction = 0;
        if (value.IsNegative || value.Raw >= (Int128)WholeLimit * Fixed.Scale)
        {
            return false;
        }

        whole = (ulong)(value.Raw / Fixed.Scale);
        fraction = (ulong)(value.Raw % Fixed.Scale);
        return true;
    }

    /// <summary>|value| has a whole part below <see cref="WholeLimit"/>.</summary>
    internal static bool FitsWhole(Fixed value) => value.Raw > -(Int128)WholeLimit * Fixed.Scale && value.Raw < (Int128)WholeLimit * Fixed.Scale;

    internal static bool FitsRatio(Fixed ratio) => !ratio.IsNegative && ratio.Raw <= RatioLimit;

    /// <summary>floor(a × b / S) and the remainder in [0, S), exactly (setup only: the domain's division, then the
    /// remainder from the wrapped product — exact because the true remainder is in [0, S)).</summary>
    internal static Int128 FloorDivScale(Int128 a, Int128 b, out ulong remainder)
    {
        Int128 quotient = WideMath.MulDiv(a, b, Fixed.Scale, Rounding.Down);
        remainder = (ulong)unchecked(a * b - quotient * Fixed.Scale);
        return quotient;
    }

    /// <summary>⌈(n₁·S + n₀) × ratio / S⌉ = n₁ × ratio + ⌈n₀ × ratio / S⌉ (n₁ &lt; 2^54, n₀ &lt; S, ratio ≤ 2^61).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Requirement(ulong n1, ulong n0, ulong ratio, out ulong high)
    {
        ulong low = n1 * ratio;
        high = Limbs.MultiplyHigh(n1, ratio);
        ulong part = ScaleDivisor.DivRemSmallQuotient(Limbs.MultiplyHigh(n0, ratio), n0 * ratio, out ulong remainder);
        Limbs.Add(ref low, ref high, part + (remainder != 0 ? 1UL : 0UL), 0);
        return low;
    }

    /// <summary>The notional tiers raise a requirement to max(ratio requirement, tier requirement), as the domain does.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void ApplyTiers(MarginTiers tiers, ulong notionalLow, ulong notionalHigh, ref ulong initLow, ref ulong initHigh, ref ulong maintLow, ref ulong maintHigh)
    {
        Fixed notional = Fixed.FromRaw((Int128)new UInt128(notionalHigh, notionalLow));
        Fixed init = Fixed.Max(Fixed.FromRaw((Int128)new UInt128(initHigh, initLow)), tiers.Requirement(notional, initial: true));
        Fixed maint = Fixed.Max(Fixed.FromRaw((Int128)new UInt128(maintHigh, maintLow)), tiers.Requirement(notional, initial: false));
        initLow = (ulong)init.Raw;
        initHigh = (ulong)(init.Raw >> 64);
        maintLow = (ulong)maint.Raw;
        maintHigh = (ulong)(maint.Raw >> 64);
    }
}
