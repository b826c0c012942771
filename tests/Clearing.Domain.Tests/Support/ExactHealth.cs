using Clearing.Domain.Accounts;
using Clearing.Domain.Health;
using Clearing.Domain.Markets;
using Clearing.Domain.Numerics;

namespace Clearing.Domain.Tests.Support;

/// <summary>
/// The margin model evaluated in exact rationals, with no rounding at all: what the fixed-point health
/// would be with infinite precision. Covers balances (confidence, deposit scaling, chain haircut,
/// liability weights) and positions with base ratios and tiers (tier deductions exact) and funding.
/// Requires an unguarded price policy (every price fresh).
/// </summary>
internal static class ExactHealth
{
    public static Rational Health(SubAccount pool, RiskContext context, HealthType type)
    {
        Rational total = Rational.Zero;
        foreach (Balance b in pool.Balances)
        {
            CollateralParams p = context.CollateralFor(b.Key);
            PriceQuote q = context.Prices.TryGetValue(b.Key.Asset, out PriceQuote quote) ? quote : PriceQuote.Exact(Fixed.One);
            Rational units = Rational.Of(b.Units, p.Decimals);
            if (b.Units > 0)
            {
                Rational value = units * (Rational.Of(q.Price) - Rational.Of(q.Confidence));
                if (type == HealthType.Init && p.DepositWeightScaleStart is { } start)
                {
                    value = Rational.Min(value, Rational.Of(start));
                }

                total += value * AssetWeight(p, type) * Rational.Of(context.ChainHaircut(b.Key.Chain));
            }
            else
            {
                total += units * (Rational.Of(q.Price) + Rational.Of(q.Confidence)) * LiabilityWeight(p, type);
            }
        }

        foreach (PerpPosition position in pool.Positions)
        {
            PerpMarket market = context.MarketFor(position.Market);
            PerpMarketState state = context.MarketStateFor(position.Market);
            Rational size = Rational.Of(position.Size);
            Rational price = position.Size.IsPositive
                ? Rational.Of(state.Mark.Price) - Rational.Of(state.Mark.Confidence)
                : Rational.Of(state.Mark.Price) + Rational.Of(state.Mark.Confidence);
            Rational pnl = size * (price - Rational.Of(position.EntryPrice));
            Rational funding = size * (Rational.Of(state.CumulativeFundingIndex) - Rational.Of(position.LastFundingIndex));
            Rational notional = (position.Size.IsPositive ? size : -size) * price;
            Rational requirement = type switch
            {
                HealthType.Init => Requirement(market, notional, initial: true),
                HealthType.Maint => Requirement(market, notional, initial: false),
                _ => (Requirement(market, notional, initial: true) + Requirement(market, notional, initial: false)) / new Rational(2, 1),
            };
            total += pnl - funding - requirement;
        }

        return total;
    }

    private static Rational Requirement(PerpMarket market, Rational notional, bool initial)
    {
        if (market.ImfFactor != 0 || market.Volatility is not null)
        {
            throw new InvalidOperationException("The exact reference covers base ratios and tiers only.");
        }

        Rational requirement = notional * Rational.Of(initial ? market.InitialMarginRatio : market.MaintenanceMarginRatio);
        if (market.Tiers is { } tiers)
        {
            MarginTier[] t = [.. tiers.Tiers];
            int index = 0;
            for (int i = 1; i < t.Length && Rational.Of(t[i].LowerBound) <= notional; i++)
            {
                index = i;
            }

            Rational deduction = Rational.Zero;
            for (int i = 1; i <= index; i++)
            {
                Rational step = Rational.Of(initial ? t[i].InitialRate : t[i].MaintenanceRate) - Rational.Of(initial ? t[i - 1].InitialRate : t[i - 1].MaintenanceRate);
                deduction += Rational.Of(t[i].LowerBound) * step;
            }

            Rational rate = Rational.Of(initial ? t[index].InitialRate : t[index].MaintenanceRate);
            requirement = Rational.Max(requirement, notional * rate - deduction);
        }

        return requirement;
    }

    private static Rational AssetWeight(CollateralParams p, HealthType type) => type switch
    {
        HealthType.Init => Rational.Of(p.InitAssetWeight),
        HealthType.Maint => Rational.Of(p.MaintAssetWeight),
        _ => (Rational.Of(p.InitAssetWeight) + Rational.Of(p.MaintAssetWeight)) / new Rational(2, 1),
    };

    private static Rational LiabilityWeight(CollateralParams p, HealthType type) => type switch
    {
        HealthType.Init => Rational.Of(p.InitLiabilityWeight),
        HealthType.Maint => Rational.Of(p.MaintLiabilityWeight),
        _ => (Rational.Of(p.InitLiabilityWeight) + Rational.Of(p.MaintLiabilityWeight)) / new Rational(2, 1),
    };
}
