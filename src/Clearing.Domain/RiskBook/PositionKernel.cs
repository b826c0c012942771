using Clearing.Domain.Markets;
using Clearing.Domain.Numerics;

namespace Clearing.Domain.RiskBook;

/// <summary>
/// Everything price-dependent about one perp market, resolved once per tick: the adverse mark prices and the
/// funding index split at 10^18 (whole part, fraction in 10^-18), and the volatility add-on ratios.
/// </summary>
internal readonly struct MarketFactors
{
    public MarketFactors(PerpMarket market, in PerpMarketState state, in AdjustedPrice mark)
    {
        Tiers = market.Tiers;
        AllowsNewRisk = mark.AllowsNewRisk;
        Fixed index = state.CumulativeFundingIndex;
        IndexNegative = index.IsNegative;
        bool volatilityFits = TryVolatility(market, state.Variance, out Fixed volInit, out Fixed volMaint);
        Fast = volatilityFits
            && PositionKernel.Splits(mark.Low, out LowWhole, out LowFraction)
            && PositionKernel.Splits(mark.High, out HighWhole, out HighFraction)
            && PositionKernel.SplitsMagnitude(index, out IndexWhole, out IndexFraction)
            && PositionKernel.FitsRatio(volInit) && PositionKernel.FitsRatio(volMaint);
        VolatilityInit = (ulong)volInit.Raw;
        VolatilityMaint = (ulong)volMaint.Raw;
    }

    public readonly bool Fast;
    public readonly bool AllowsNewRisk;
    public readonly ulong LowWhole;
    public readonly ulong LowFraction;
    public readonly ulong HighWhole;
    public readonly ulong HighFraction;
    public readonly bool IndexNegative;
    public readonly ulong IndexWhole;
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
/// What does not change between ticks about one position: |size| split at 10^18, size × entry / 10^18 and
/// size × last funding index / 10^18 as floor and remainder, and the Drift size-premium ratios (they depend on the
/// size and the market's parameters only, not on prices).
/// </summary>
internal readonly struct PositionRow
{
    public PositionRow(Fixed size, Fixed entryPrice, Fixed lastFundingIndex, PerpMarket market)
    {
        Long = size.IsPositive;
        Fixed absSize = size.Abs();
        Fixed ratioInit = Fixed.Zero, ratioMaint = Fixed.Zero;
        ulong whole = 0;
        Fast = !size.IsZero
            && PositionKernel.Splits(absSize, out whole, out SizeFraction)
            && PositionKernel.SplitsMagnitude(entryPrice, out _, out _)
            && PositionKernel.SplitsMagnitude(lastFundingIndex, out _, out _)
            && PositionKernel.FitsRatio(ratioInit = DriftMargin.RatioWithSizePremium(market.InitialMarginRatio, market.ImfFactor, absSize))
            && PositionKernel.FitsRatio(ratioMaint = DriftMargin.RatioWithSizePremium(market.MaintenanceMarginRatio, market.ImfFactor, absSize));
        if (!Fast)
        {
            return;
        }

        SizeWhole = (uint)whole;
        EntryWhole = PositionKernel.FloorDivScale(size.Raw, entryPrice.Raw, out EntryFraction);
        LastFundingWhole = PositionKernel.FloorDivScale(size.Raw, lastFundingIndex.Raw, out LastFundingFraction);
        PremiumInit = (ulong)ratioInit.Raw;
        PremiumMaint = (ulong)ratioMaint.Raw;
    }

    public readonly Int128 EntryWhole;
    public readonly Int128 LastFundingWhole;
    public readonly ulong SizeFraction;
    public readonly ulong EntryFraction;
    public readonly ulong LastFundingFraction;
    public readonly ulong PremiumInit;
    public readonly ulong PremiumMaint;
    public readonly uint SizeWhole;
    public readonly bool Long;
    public readonly bool Fast;
}

/// <summary>
/// <see cref="PerpMargin.Contributions"/> for a prepared position and market. Every product of two fixed-point
/// numbers is split at 10^18 — (a₁·S + a₀)(b₁·S + b₀)/S = a₁b₁S + a₁b₀ + a₀b₁ + a₀b₀/S — so the only division left is
/// a₀b₀/S with a₀b₀ &lt; 2^120: one 128-by-64 divide instead of the domain's 256-bit quotient. Differences of
/// products are combined from floors and remainders (floor((X − Y)/S) = ⌊X/S⌋ − ⌊Y/S⌋ − [x₀ &lt; y₀]), so the
/// results are the domain's bit for bit; whole parts stay below 2^31 (2 billion units or USD), beyond which the
/// domain's function runs.
/// </summary>
internal static class PositionKernel
{
    private const ulong Scale = 1_000_000_000_000_000_000;

    private static readonly InvariantDivisor ScaleDivisor = new(Scale);

    /// <summary>Whole parts below 2^31 keep every product and sum of the fast path below 2^127.</summary>
    private static readonly UInt128 SplitLimit = (UInt128)Scale << 31;

    /// <summary><see cref="PerpMargin.Contributions"/> through the prepared factors, or through the domain's
    /// function when the position or market is outside their bounds.</summary>
    public static HealthTriple Contributions(in PositionRow row, in MarketFactors market, Fixed size, Fixed entry, Fixed lastFundingIndex, PerpMarket perp, in PerpMarketState state, in AdjustedPrice mark) =>
        TryContributions(in row, in market, out HealthTriple contributions)
            ? contributions
            : PerpMargin.Contributions(size, entry, lastFundingIndex, perp, state, mark);

    /// <summary>The contributions through the prepared factors; false (nothing computed) when the position or
    /// the market is outside their bounds, for the caller to run <see cref="PerpMargin.Contributions"/>.</summary>
    public static bool TryContributions(in PositionRow row, in MarketFactors market, out HealthTriple contributions)
    {
        if (!row.Fast || !market.Fast)
        {
            contributions = default;
            return false;
        }

        // |size| × price / S = whole + fraction/S (a long is valued at the low price, a short at the high one).
        ulong priceWhole = row.Long ? market.LowWhole : market.HighWhole;
        ulong priceFraction = row.Long ? market.LowFraction : market.HighFraction;
        UInt128 valueWhole = Product(row.SizeWhole, row.SizeFraction, priceWhole, priceFraction, out ulong valueFraction);
        UInt128 notional = valueFraction != 0 ? valueWhole + 1 : valueWhole;

        // pnl = floor(size × (price − entry) / S).
        Int128 signedWhole = Signed(valueWhole, valueFraction, !row.Long, out ulong signedFraction);
        Int128 pnl = signedWhole - row.EntryWhole - (signedFraction < row.EntryFraction ? 1 : 0);

        // funding owed = ceil(size × (index − last) / S).
        UInt128 indexWhole = Product(row.SizeWhole, row.SizeFraction, market.IndexWhole, market.IndexFraction, out ulong indexFraction);
        Int128 accrued = Signed(indexWhole, indexFraction, !row.Long ^ market.IndexNegative, out ulong accruedFraction);
        Int128 funding = accrued - row.LastFundingWhole + (accruedFraction > row.LastFundingFraction ? 1 : 0);

        // requirement = ceil(notional × ratio / S), ratio = max(size premium, volatility add-on), then the tiers.
        ulong notionalWhole = DivRemScale(notional, out ulong notionalFraction);
        Fixed notionalUsd = Fixed.FromRaw((Int128)notional);
        Fixed init = Requirement(notionalWhole, notionalFraction, Math.Max(row.PremiumInit, market.VolatilityInit));
        Fixed maint = Requirement(notionalWhole, notionalFraction, Math.Max(row.PremiumMaint, market.VolatilityMaint));
        if (market.Tiers is { } tiers)
        {
            init = Fixed.Max(init, tiers.Requirement(notionalUsd, initial: true));
            maint = Fixed.Max(maint, tiers.Requirement(notionalUsd, initial: false));
        }

        // As PerpMargin.Contributions: the same checked operations on the same values (requirements are ≥ 0, so
        // the average's halving is a shift, as the domain's truncating division by 2).
        Fixed equity = Fixed.FromRaw(pnl) - Fixed.FromRaw(funding);
        Fixed initContribution = equity - init;
        if (!market.AllowsNewRisk && initContribution.IsPositive)
        {
            initContribution = Fixed.Zero;
        }

        contributions = new HealthTriple(initContribution, equity - Fixed.FromRaw((init.Raw + maint.Raw + 1) >> 1), equity - maint);
        return true;
    }

    /// <summary>Splits a non-negative value at 10^18 when its whole part is below 2^31.</summary>
    internal static bool Splits(Fixed value, out ulong whole, out ulong fraction)
    {
        whole = 0;
        fraction = 0;
        if (value.IsNegative || (UInt128)value.Raw >= SplitLimit)
        {
            return false;
        }

        whole = DivRemScale((UInt128)value.Raw, out fraction);
        return true;
    }

    /// <summary>Splits |value| (see <see cref="Splits"/>).</summary>
    internal static bool SplitsMagnitude(Fixed value, out ulong whole, out ulong fraction)
    {
        whole = 0;
        fraction = 0;
        return value.Raw != Int128.MinValue && Splits(value.Abs(), out whole, out fraction);
    }

    /// <summary>Ratios (raw) below 2^63 keep the requirement's products below 2^127.</summary>
    internal static bool FitsRatio(Fixed ratio) => !ratio.IsNegative && ratio.Raw <= long.MaxValue;

    /// <summary>floor(a × b / S) and the remainder in [0, S), exactly (setup only: the domain's division, then the
    /// remainder from the wrapped product — exact because the true remainder is in [0, S)).</summary>
    internal static Int128 FloorDivScale(Int128 a, Int128 b, out ulong remainder)
    {
        Int128 quotient = WideMath.MulDiv(a, b, Fixed.Scale, Rounding.Down);
        remainder = (ulong)unchecked(a * b - quotient * Fixed.Scale);
        return quotient;
    }

    /// <summary>(aWhole·S + aFraction)(bWhole·S + bFraction) / S = whole + fraction/S, all parts below their limits.</summary>
    private static UInt128 Product(uint aWhole, ulong aFraction, ulong bWhole, ulong bFraction, out ulong fraction)
    {
        ulong low = DivRemScale(Math.BigMul(aFraction, bFraction), out fraction);
        return Math.BigMul(aWhole * bWhole, Scale) + Math.BigMul(aWhole, bFraction) + Math.BigMul(aFraction, bWhole) + low;
    }

    /// <summary>The floor and remainder of −(whole + fraction/S) when <paramref name="negative"/>, else of the value itself.</summary>
    private static Int128 Signed(UInt128 whole, ulong fraction, bool negative, out ulong signedFraction)
    {
        if (!negative)
        {
            signedFraction = fraction;
            return (Int128)whole;
        }

        signedFraction = fraction == 0 ? 0 : Scale - fraction;
        return -(Int128)whole - (fraction == 0 ? 0 : 1);
    }

    /// <summary>ceil((whole·S + fraction) × ratio / S) = whole × ratio + ceil(fraction × ratio / S).</summary>
    private static Fixed Requirement(ulong whole, ulong fraction, ulong ratio)
    {
        ulong part = DivRemScale(Math.BigMul(fraction, ratio), out ulong remainder);
        return Fixed.FromRaw((Int128)(Math.BigMul(whole, ratio) + part + (remainder != 0 ? 1UL : 0UL)));
    }

    /// <summary>n / 10^18 and its remainder for n &lt; 10^18 × 2^64 (so the quotient fits 64 bits).</summary>
    private static ulong DivRemScale(UInt128 n, out ulong remainder) => ScaleDivisor.DivRemSmallQuotient(n, out remainder);
}
