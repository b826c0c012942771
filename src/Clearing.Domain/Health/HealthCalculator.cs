using System.Collections.Immutable;
using Clearing.Domain.Accounts;
using Clearing.Domain.Markets;
using Clearing.Domain.Numerics;

namespace Clearing.Domain.Health;

/// <summary>Assets and liabilities (both ≥ 0, USD) of one health type; health = assets − liabilities.</summary>
public readonly record struct HealthComponents(Fixed Assets, Fixed Liabilities)
{
    public Fixed Health => Assets - Liabilities;

    /// <summary>Mango's health ratio in percent: (assets − liabilities) × 100 / liabilities, rounded down;
    /// null when there are no liabilities (unbounded).</summary>
    public Fixed? Ratio => Liabilities.IsZero ? null : Health.MulInt(100).DivRoundDown(Liabilities);

    internal HealthComponents Add(Fixed contribution) =>
        contribution.IsNegative ? new(Assets, Liabilities - contribution) : new(Assets + contribution, Liabilities);
}

/// <summary>Health of every pool of an account: the cross pool and each isolated sub-account, each valued alone.</summary>
public sealed record AccountHealth(string AccountId, HealthSnapshot Cross, ImmutableArray<HealthSnapshot> Isolated)
{
    /// <summary>Whether any pool is liquidatable (each is liquidated alone).</summary>
    public bool AnyLiquidatable => Cross.IsLiquidatable || Isolated.Any(h => h.IsLiquidatable);
}

/// <summary>The health entry point: values one pool (cross or isolated) against a context.</summary>
public static class HealthCalculator
{
    /// <summary>Every pool of the account; an isolated pool's collateral never counts for the cross pool or another isolated pool.</summary>
    public static AccountHealth Compute(MarginAccount account, RiskContext context)
    {
        ArgumentNullException.ThrowIfNull(account);
        return new AccountHealth(account.Id, Compute(account.Cross, context), [.. account.Isolated.Select(pool => Compute(pool, context))]);
    }

    public static HealthSnapshot Compute(SubAccount account, RiskContext context)
    {
        ArgumentNullException.ThrowIfNull(account);
        ArgumentNullException.ThrowIfNull(context);
        HealthComponents init = default, liqEnd = default, maint = default;
        Fixed collateralValue = Fixed.Zero;

        foreach (Balance balance in account.Balances)
        {
            if (balance.Units == 0)
            {
                continue;
            }

            CollateralParams p = context.CollateralFor(balance.Key);
            AdjustedPrice price = context.PriceFor(balance.Key);
            Fixed haircut = context.ChainHaircut(balance.Key.Chain);
            HealthTriple c = CollateralParams.Contributions(balance.Units, p, price, haircut);
            init = init.Add(c.Init);
            liqEnd = liqEnd.Add(c.LiquidationEnd);
            maint = maint.Add(c.Maint);
            if (balance.Units > 0)
            {
                collateralValue += TokenAmounts.Value(balance.Units, price.Low, p.Decimals, Rounding.Down);
            }
        }

        foreach (PerpPosition position in account.Positions)
        {
            PerpMarket market = context.MarketFor(position.Market);
            PerpMarketState state = context.MarketStateFor(position.Market);
            AdjustedPrice mark = context.PricePolicy.Adjust(state.Mark, context.Now);
            HealthTriple c = PerpMargin.Contributions(position.Size, position.EntryPrice, position.LastFundingIndex, market, state, mark);
            init = init.Add(c.Init);
            liqEnd = liqEnd.Add(c.LiquidationEnd);
            maint = maint.Add(c.Maint);
        }

        return new HealthSnapshot(account, context, init, liqEnd, maint, collateralValue);
    }
}
