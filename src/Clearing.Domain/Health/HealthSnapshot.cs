using Clearing.Domain.Accounts;
using Clearing.Domain.Assets;
using Clearing.Domain.Markets;
using Clearing.Domain.Numerics;

namespace Clearing.Domain.Health;

/// <summary>
/// Immutable health of one pool at one context. What-if copies (<see cref="WithDeposit"/>,
/// <see cref="WithWithdrawal"/>, <see cref="WithTrade"/>) recompute from a changed copy of the account and
/// never touch this snapshot.
/// </summary>
public sealed class HealthSnapshot
{
    internal HealthSnapshot(SubAccount account, RiskContext context, HealthComponents init, HealthComponents liquidationEnd, HealthComponents maint, Fixed collateralValue)
    {
        Account = account;
        Context = context;
        InitComponents = init;
        LiquidationEndComponents = liquidationEnd;
        MaintComponents = maint;
        CollateralValue = collateralValue;
    }

    public SubAccount Account { get; }

    public RiskContext Context { get; }

    public HealthComponents InitComponents { get; }

    public HealthComponents LiquidationEndComponents { get; }

    public HealthComponents MaintComponents { get; }

    public Fixed InitHealth => InitComponents.Health;

    public Fixed LiquidationEndHealth => LiquidationEndComponents.Health;

    public Fixed MaintHealth => MaintComponents.Health;

    /// <summary>Σ positive balances at price − confidence, unweighted (USD, rounded down).</summary>
    public Fixed CollateralValue { get; }

    /// <summary>Initial health, floored at zero: how much more requirement the pool can take.</summary>
    public Fixed FreeCollateral => Fixed.Max(Fixed.Zero, InitHealth);

    /// <summary>Maintenance health ratio in percent (Mango's definition); null without liabilities.</summary>
    public Fixed? HealthRatio => MaintComponents.Ratio;

    public bool IsLiquidatable => MaintHealth.IsNegative;

    public HealthComponents Components(HealthType type) => type switch
    {
        HealthType.Init => InitComponents,
        HealthType.LiquidationEnd => LiquidationEndComponents,
        _ => MaintComponents,
    };

    public Fixed Health(HealthType type) => Components(type).Health;

    public HealthSnapshot WithDeposit(AssetKey key, Int128 units)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(units);
        return HealthCalculator.Compute(Account.AddToBalance(key, units), Context);
    }

    public HealthSnapshot WithWithdrawal(AssetKey key, Int128 units)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(units);
        return HealthCalculator.Compute(Account.AddToBalance(key, -units), Context);
    }

    /// <summary>The pool after a fill of <paramref name="sizeDelta"/> (signed) at <paramref name="price"/>.</summary>
    public HealthSnapshot WithTrade(string market, Fixed sizeDelta, Fixed price) =>
        HealthCalculator.Compute(Trading.ApplyFill(Account, Context, market, sizeDelta, price), Context);

    /// <summary>
    /// The largest amount (base units) of <paramref name="key"/> that can be withdrawn keeping initial health ≥ 0,
    /// rounded down. Beyond the positive balance only for an asset that may go negative (a borrow).
    /// </summary>
    public Int128 MaxWithdrawable(AssetKey key)
    {
        if (InitHealth.IsNegative)
        {
            return 0;
        }

        CollateralParams p = Context.CollateralFor(key);
        AdjustedPrice price = Context.PriceFor(key);
        Fixed haircut = Context.ChainHaircut(key.Chain);
        Int128 current = Account.BalanceOf(key);
        Fixed currentContribution = CollateralParams.Contribution(current, p, price, HealthType.Init, haircut);

        // Health is additive per balance, so only this balance's contribution changes with the amount.
        bool Fits(Int128 amount) =>
            !(InitHealth - currentContribution + CollateralParams.Contribution(current - amount, p, price, HealthType.Init, haircut)).IsNegative;

        Int128 high;
        if (!p.MayGoNegative)
        {
            high = Int128.Max(current, 0);
            if (Fits(high))
            {
                return high;
            }
        }
        else
        {
            // Exponential search for an amount that breaks initial health (a borrow always eventually does,
            // unless the liability weight is zero — then the ledger's range is the limit).
            high = Int128.Max(current, 1);
            while (Fits(high))
            {
                if (high > Int128.MaxValue / 4)
                {
                    return high;
                }

                high *= 2;
            }
        }

        Int128 low = 0;
        while (low < high - 1)
        {
            Int128 mid = low + (high - low) / 2;
            if (Fits(mid))
            {
                low = mid;
            }
            else
            {
                high = mid;
            }
        }

        return Fits(high) ? high : low;
    }

    /// <summary>
    /// Pre-trade check: an order is accepted only if initial health after the fill stays ≥ 0, and never when
    /// it increases exposure on a market whose mark price allows no new risk (stale or uncertain).
    /// </summary>
    public PreTradeDecision CheckOrder(Order order)
    {
        if (!Context.Markets.ContainsKey(order.Market) || !Context.MarketStates.ContainsKey(order.Market))
        {
            return PreTradeDecision.Reject($"unknown market {order.Market}", InitHealth, InitHealth);
        }

        if (order.SizeDelta.IsZero || !order.Price.IsPositive)
        {
            return PreTradeDecision.Reject("order size must be non-zero and price positive", InitHealth, InitHealth);
        }

        Fixed currentSize = Account.PositionIn(order.Market)?.Size ?? Fixed.Zero;
        bool increasesExposure = (currentSize + order.SizeDelta).Abs() > currentSize.Abs();
        AdjustedPrice mark = Context.MarkFor(order.Market);
        if (increasesExposure && !mark.AllowsNewRisk)
        {
            return PreTradeDecision.Reject($"mark price of {order.Market} is {mark.Status.ToString().ToLowerInvariant()}: no new risk", InitHealth, InitHealth);
        }

        HealthSnapshot after = WithTrade(order.Market, order.SizeDelta, order.Price);
        if (after.InitHealth.IsNegative)
        {
            return PreTradeDecision.Reject($"initial health would be {after.InitHealth} USD (< 0)", InitHealth, after.InitHealth);
        }

        return new PreTradeDecision(true, null, InitHealth, after.InitHealth);
    }
}

/// <summary>An order to check: a signed size change in a market at a (worst) price.</summary>
public readonly record struct Order(string Market, Fixed SizeDelta, Fixed Price);

/// <summary>Outcome of a pre-trade check; <see cref="Reason"/> says why a rejected order was rejected.</summary>
public sealed record PreTradeDecision(bool Accepted, string? Reason, Fixed InitHealthBefore, Fixed InitHealthAfter)
{
    internal static PreTradeDecision Reject(string reason, Fixed before, Fixed after) => new(false, reason, before, after);
}
