using Clearing.Domain.Numerics;

namespace Clearing.Domain.Markets;

/// <summary>
/// Parameters of a perpetual market. The base model is notional × ratio; the optional parts raise the
/// requirement and leave it unchanged when absent (no tiers, IMF 0, no volatility add-on):
/// requirement(kind) = max(notional × ratio(kind), tiers(kind)) where ratio(kind) = max(Drift size-premium
/// ratio, volatility ratio). Liquidation-end is the average of init and maint requirements, rounded up.
/// </summary>
public sealed record PerpMarket
{
    public PerpMarket(string symbol, Fixed initialMarginRatio, Fixed maintenanceMarginRatio)
    {
        ArgumentException.ThrowIfNullOrEmpty(symbol);
        if (maintenanceMarginRatio.IsNegative || initialMarginRatio < maintenanceMarginRatio)
        {
            throw new ArgumentException($"{symbol}: margin ratios need 0 ≤ maintenance ({maintenanceMarginRatio}) ≤ initial ({initialMarginRatio}).");
        }

        Symbol = symbol;
        InitialMarginRatio = initialMarginRatio;
        MaintenanceMarginRatio = maintenanceMarginRatio;
    }

    public string Symbol { get; }

    public Fixed InitialMarginRatio { get; }

    public Fixed MaintenanceMarginRatio { get; }

    /// <summary>Hyperliquid-style notional tiers; null: none.</summary>
    public MarginTiers? Tiers { get; init; }

    /// <summary>Drift IMF factor in 1e-6 units (<see cref="DriftMargin.ImfPrecision"/>); 0: no size premium.</summary>
    public long ImfFactor { get; init; }

    /// <summary>Volatility add-on; null: none.</summary>
    public VolatilityAddOn? Volatility { get; init; }
}

/// <summary>The moving state of a market: mark price, cumulative funding index, EWMA variance of returns.</summary>
public readonly record struct PerpMarketState(PriceQuote Mark, Fixed CumulativeFundingIndex, Fixed Variance)
{
    public static PerpMarketState AtPrice(Fixed mark) => new(PriceQuote.Exact(mark), Fixed.Zero, Fixed.Zero);
}

/// <summary>Pure, allocation-free margin math of one perp position (for the health computation and the risk book).</summary>
public static class PerpMargin
{
    /// <summary>Margin ratio for Init or Maint (base, Drift size premium, volatility add-on).</summary>
    public static Fixed Ratio(PerpMarket market, Fixed variance, Fixed absSize, bool initial)
    {
        Fixed baseRatio = initial ? market.InitialMarginRatio : market.MaintenanceMarginRatio;
        Fixed ratio = DriftMargin.RatioWithSizePremium(baseRatio, market.ImfFactor, absSize);
        if (market.Volatility is { } vol)
        {
            ratio = Fixed.Max(ratio, initial ? vol.InitialRatio(variance) : vol.MaintenanceRatio(variance));
        }

        return ratio;
    }

    /// <summary>Requirement (USD, ≥ 0, rounded up) for a position of |size| <paramref name="absSize"/> and
    /// notional <paramref name="notional"/>.</summary>
    public static Fixed Requirement(PerpMarket market, Fixed variance, Fixed absSize, Fixed notional, HealthType type)
    {
        if (type == HealthType.LiquidationEnd)
        {
            return Average(
                Requirement(market, variance, absSize, notional, HealthType.Init),
                Requirement(market, variance, absSize, notional, HealthType.Maint));
        }

        bool initial = type == HealthType.Init;
        Fixed requirement = notional.MulRoundUp(Ratio(market, variance, absSize, initial));
        if (market.Tiers is { } tiers)
        {
            requirement = Fixed.Max(requirement, tiers.Requirement(notional, initial));
        }

        return requirement;
    }

    /// <summary>
    /// Health contribution of a position: unrealized PnL − funding owed − requirement. A long is valued at the
    /// mark's low price, a short at its high price (confidence against the account). For initial health a
    /// mark that allows no new risk caps the contribution at zero (it may hurt, never help).
    /// </summary>
    public static Fixed Contribution(Fixed size, Fixed entryPrice, Fixed lastFundingIndex, PerpMarket market, in PerpMarketState state, in AdjustedPrice mark, HealthType type)
    {
        if (size.IsZero)
        {
            return Fixed.Zero;
        }

        Fixed equity = Equity(size, entryPrice, lastFundingIndex, state, mark, out Fixed absSize, out Fixed notional);
        return Cap(equity - Requirement(market, state.Variance, absSize, notional, type), mark, type);
    }

    /// <summary>The three contributions at once (PnL, funding and notional computed once); each equals
    /// <see cref="Contribution"/> for its health type.</summary>
    public static HealthTriple Contributions(Fixed size, Fixed entryPrice, Fixed lastFundingIndex, PerpMarket market, in PerpMarketState state, in AdjustedPrice mark)
    {
        if (size.IsZero)
        {
            return default;
        }

        Fixed equity = Equity(size, entryPrice, lastFundingIndex, state, mark, out Fixed absSize, out Fixed notional);
        Fixed init = Requirement(market, state.Variance, absSize, notional, HealthType.Init);
        Fixed maint = Requirement(market, state.Variance, absSize, notional, HealthType.Maint);
        return new HealthTriple(
            Cap(equity - init, mark, HealthType.Init),
            equity - Average(init, maint),
            equity - maint);
    }

    /// <summary>Unrealized PnL at the adverse side of the mark minus funding owed.</summary>
    private static Fixed Equity(Fixed size, Fixed entryPrice, Fixed lastFundingIndex, in PerpMarketState state, in AdjustedPrice mark, out Fixed absSize, out Fixed notional)
    {
        Fixed price = size.IsPositive ? mark.Low : mark.High;
        Fixed pnl = size.MulRoundDown(price - entryPrice);
        Fixed funding = Funding.Owed(size, state.CumulativeFundingIndex, lastFundingIndex);
        absSize = size.Abs();
        notional = absSize.MulRoundUp(price);
        return pnl - funding;
    }

    private static Fixed Cap(Fixed contribution, in AdjustedPrice mark, HealthType type) =>
        type == HealthType.Init && !mark.AllowsNewRisk && contribution.IsPositive ? Fixed.Zero : contribution;

    /// <summary>Liquidation-end requirement: the average of init and maint, rounded up.</summary>
    private static Fixed Average(Fixed init, Fixed maint) => Fixed.FromRaw((init.Raw + maint.Raw + 1) / 2);
}
