using System.Collections.Immutable;
using Clearing.Domain.Accounts;
using Clearing.Domain.Assets;
using Clearing.Domain.Health;
using Clearing.Domain.Markets;
using Clearing.Domain.Numerics;

namespace Clearing.Domain.Liquidation;

/// <summary>
/// Plans the liquidation of one pool. Only a liquidatable pool (maintenance health &lt; 0) gets a plan. The
/// planner is greedy toward the fewest, smallest actions:
/// <list type="number">
/// <item>Reduce positions, the one whose full close gains the most liquidation-end health first, each by the
/// smallest size that brings liquidation-end health to the buffer (binary search on the exact effect), whole
/// when the remainder would be dust. A position whose close would not raise health is left alone.</item>
/// <item>Seize collateral in the configured policy order, each by the fewest base units that reach the buffer,
/// whole when the remainder would be dust; only seizures that raise health.</item>
/// <item>If liquidation-end health is still negative, liquidate whole: close every position and seize every
/// balance. A settlement balance still negative after that is the bankruptcy loss: the insurance fund takes
/// what it can, the rest is socialized over opposing positions ranked as Hyperliquid's auto-deleveraging
/// ranks them.</item>
/// </list>
/// Every action's effect is computed by the same code <see cref="Apply"/> runs, so a plan applied gives
/// exactly the health the planner saw.
/// </summary>
public static class LiquidationPlanner
{
    /// <summary>Plans each pool of the account alone (an isolated pool never touches the cross pool).</summary>
    public static ImmutableArray<LiquidationPlan> PlanAccount(MarginAccount account, RiskContext context, LiquidationConfig config, Int128 insuranceFundUnits, IReadOnlyList<AdlCandidate> adlCandidates)
    {
        var plans = ImmutableArray.CreateBuilder<LiquidationPlan>();
        foreach (SubAccount pool in account.Isolated.Prepend(account.Cross))
        {
            if (Plan(pool, context, config, insuranceFundUnits, adlCandidates) is { } plan)
            {
                plans.Add(plan);
                if (plan.Bankruptcy is { } b)
                {
                    insuranceFundUnits -= b.InsuranceUnits;
                }
            }
        }

        return plans.ToImmutable();
    }

    /// <summary>The plan for a pool, or null when it is not liquidatable.</summary>
    public static LiquidationPlan? Plan(SubAccount pool, RiskContext context, LiquidationConfig config, Int128 insuranceFundUnits, IReadOnlyList<AdlCandidate> adlCandidates)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentOutOfRangeException.ThrowIfNegative(insuranceFundUnits);
        HealthSnapshot before = HealthCalculator.Compute(pool, context);
        if (!before.IsLiquidatable)
        {
            return null;
        }

        foreach (Balance b in pool.Balances)
        {
            if (b.Units < 0 && b.Key != context.Settlement)
            {
                throw new InvalidOperationException($"{pool.Id}: only the settlement balance may be negative, {b.Key} is {b.Units}.");
            }
        }

        var actions = ImmutableArray.CreateBuilder<LiquidationAction>();
        SubAccount current = pool;
        Fixed target = config.Buffer;

        // 1. Positions, largest gain of a full close first.
        var positionOrder = current.Positions
            .Select(p => (p.Market, Gain: Health(Apply(current, context, BuildReduce(current, context, config, p.Market, p.Size.Abs())), context) - before.LiquidationEndHealth))
            .Where(x => x.Gain.IsPositive)
            .OrderByDescending(x => x.Gain)
            .ThenBy(x => x.Market, StringComparer.Ordinal)
            .Select(x => x.Market)
            .ToList();
        foreach (string market in positionOrder)
        {
            if (Health(current, context) >= target)
            {
                break;
            }

            ReducePosition action = SmallestReduce(current, context, config, market, target);
            actions.Add(action);
            current = Apply(current, context, action);
        }

        // 2. Collateral in policy order.
        foreach (AssetKey key in CollateralOrder(current, context, config))
        {
            Fixed health = Health(current, context);
            if (health >= target)
            {
                break;
            }

            SeizeCollateral whole = BuildSeize(current, context, config, key, current.BalanceOf(key));
            if (Health(Apply(current, context, whole), context) <= health)
            {
                continue;
            }

            SeizeCollateral action = SmallestSeize(current, context, config, key, target);
            actions.Add(action);
            current = Apply(current, context, action);
        }

        // 3. Whole liquidation when the pool cannot be restored, then bankruptcy.
        Bankruptcy? bankruptcy = null;
        if (Health(current, context).IsNegative)
        {
            foreach (PerpPosition p in current.Positions.OrderBy(p => p.Market, StringComparer.Ordinal).ToList())
            {
                LiquidationAction action = BuildReduce(current, context, config, p.Market, p.Size.Abs());
                actions.Add(action);
                current = Apply(current, context, action);
            }

            foreach (Balance b in current.Balances.Where(b => b.Units > 0 && b.Key != context.Settlement).OrderBy(b => b.Key.ToString(), StringComparer.Ordinal).ToList())
            {
                LiquidationAction action = BuildSeize(current, context, config, b.Key, b.Units);
                actions.Add(action);
                current = Apply(current, context, action);
            }

            Int128 settlement = current.BalanceOf(context.Settlement);
            if (settlement < 0)
            {
                bankruptcy = AllocateLoss(-settlement, pool, context, insuranceFundUnits, adlCandidates);
            }
        }

        var plan = new LiquidationPlan(pool.Id, actions.ToImmutable(), bankruptcy, before.MaintHealth, before.LiquidationEndHealth, Fixed.Zero);
        return plan with { LiquidationEndHealthAfter = Health(Apply(pool, context, plan), context) };
    }

    /// <summary>The pool after the plan: positions closed, collateral seized, settlement credited and fees
    /// debited; a bankruptcy's loss is absorbed (the settlement balance returns to zero).</summary>
    public static SubAccount Apply(SubAccount pool, RiskContext context, LiquidationPlan plan)
    {
        SubAccount result = pool;
        foreach (LiquidationAction action in plan.Actions)
        {
            result = Apply(result, context, action);
        }

        if (plan.Bankruptcy is { } b)
        {
            result = result.AddToBalance(context.Settlement, b.LossUnits);
        }

        return result;
    }

    /// <summary>The pool after one action.</summary>
    public static SubAccount Apply(SubAccount pool, RiskContext context, LiquidationAction action)
    {
        switch (action)
        {
            case ReducePosition reduce:
                {
                    PerpPosition position = pool.PositionIn(reduce.Market) ?? throw new InvalidOperationException($"No position in {reduce.Market}.");
                    Fixed delta = position.Size.IsPositive ? -reduce.SizeClosed : reduce.SizeClosed;
                    SubAccount filled = Trading.ApplyFill(pool, context, reduce.Market, delta, reduce.Price);
                    return filled.AddToBalance(context.Settlement, -reduce.FeeUnits);
                }

            case SeizeCollateral seize:
                return pool.AddToBalance(seize.Collateral, -seize.Units).AddToBalance(context.Settlement, seize.CreditUnits);

            default:
                throw new ArgumentOutOfRangeException(nameof(action), action, "Unknown liquidation action.");
        }
    }

    /// <summary>The action closing <paramref name="sizeClosed"/> (absolute) of the position at the mark.</summary>
    public static ReducePosition BuildReduce(SubAccount pool, RiskContext context, LiquidationConfig config, string market, Fixed sizeClosed)
    {
        PerpPosition position = pool.PositionIn(market) ?? throw new InvalidOperationException($"No position in {market}.");
        Fixed mark = context.MarkFor(market).Mid;
        Fixed delta = position.Size.IsPositive ? -sizeClosed : sizeClosed;
        Int128 before = pool.BalanceOf(context.Settlement);
        Int128 realized = Trading.ApplyFill(pool, context, market, delta, mark).BalanceOf(context.Settlement) - before;
        int decimals = context.CollateralFor(context.Settlement).Decimals;
        Int128 fee = sizeClosed.MulRoundUp(mark).MulRoundUp(config.PositionPenalty).ToScaled(decimals, Rounding.Up);
        (Int128 liquidator, Int128 insurance) = Split(fee, config);
        return new ReducePosition(market, sizeClosed, mark, realized) { LiquidatorFeeUnits = liquidator, InsuranceFeeUnits = insurance };
    }

    /// <summary>The action seizing <paramref name="units"/> of the balance at <paramref name="key"/>.</summary>
    public static SeizeCollateral BuildSeize(SubAccount pool, RiskContext context, LiquidationConfig config, AssetKey key, Int128 units)
    {
        Int128 held = pool.BalanceOf(key);
        if (units <= 0 || units > held)
        {
            throw new ArgumentOutOfRangeException(nameof(units), $"Cannot seize {units} of {key} holding {held}.");
        }

        CollateralParams p = context.CollateralFor(key);
        Fixed price = context.PriceFor(key).Low;
        int decimals = context.CollateralFor(context.Settlement).Decimals;
        Fixed value = TokenAmounts.Value(units, price, p.Decimals, Rounding.Down);
        Int128 valueUnits = value.ToScaled(decimals, Rounding.Down);
        Int128 credit = value.MulRoundDown(Fixed.One - config.CollateralPenalty).ToScaled(decimals, Rounding.Down);
        (Int128 liquidator, Int128 insurance) = Split(valueUnits - credit, config);
        return new SeizeCollateral(key, units, price, valueUnits, credit) { LiquidatorFeeUnits = liquidator, InsuranceFeeUnits = insurance };
    }

    /// <summary>Hyperliquid's ADL sorting index: (mark / entry) × (notional / account value) for a long, the
    /// mirror (entry / mark) for a short — larger is deleveraged first. Rounded down (ranking only).</summary>
    public static Fixed AdlRankingIndex(Fixed size, Fixed entryPrice, Fixed mark, Fixed accountValue)
    {
        Fixed notional = size.Abs().MulRoundDown(mark);
        Fixed pnlWeightedNotional = size.IsPositive ? notional.MulDiv(mark, entryPrice, Rounding.Down) : notional.MulDiv(entryPrice, mark, Rounding.Down);
        return pnlWeightedNotional.DivRoundDown(accountValue);
    }

    private static Fixed Health(SubAccount pool, RiskContext context) =>
        HealthCalculator.Compute(pool, context).LiquidationEndHealth;

    private static (Int128 Liquidator, Int128 Insurance) Split(Int128 fee, LiquidationConfig config)
    {
        // The liquidator's part rounds down; the insurance fund gets the remainder, so the split is exact.
        Int128 liquidator = WideMath.MulDiv(fee, config.LiquidatorShare.Raw, Fixed.Scale, Rounding.Down);
        return (liquidator, fee - liquidator);
    }

    private static ReducePosition SmallestReduce(SubAccount pool, RiskContext context, LiquidationConfig config, string market, Fixed target)
    {
        PerpPosition position = pool.PositionIn(market)!.Value;
        Fixed size = position.Size.Abs();
        Fixed mark = context.MarkFor(market).Mid;
        ReducePosition whole = BuildReduce(pool, context, config, market, size);
        if (Health(Apply(pool, context, whole), context) < target)
        {
            return whole;
        }

        // Smallest raw size (10^-18 units) reaching the target; health is non-decreasing in the size closed
        // while closing helps, and the result is re-checked by the caller's next health computation.
        Int128 low = 0, high = size.Raw;
        while (low < high - 1)
        {
            Int128 mid = low + (high - low) / 2;
            ReducePosition candidate = BuildReduce(pool, context, config, market, Fixed.FromRaw(mid));
            if (Health(Apply(pool, context, candidate), context) >= target)
            {
                high = mid;
            }
            else
            {
                low = mid;
            }
        }

        Fixed closed = Fixed.FromRaw(high);
        if ((size - closed).MulRoundDown(mark) < config.DustValue)
        {
            return whole;
        }

        return BuildReduce(pool, context, config, market, closed);
    }

    private static SeizeCollateral SmallestSeize(SubAccount pool, RiskContext context, LiquidationConfig config, AssetKey key, Fixed target)
    {
        Int128 held = pool.BalanceOf(key);
        SeizeCollateral whole = BuildSeize(pool, context, config, key, held);
        if (Health(Apply(pool, context, whole), context) < target)
        {
            return whole;
        }

        Int128 low = 0, high = held;
        while (low < high - 1)
        {
            Int128 mid = low + (high - low) / 2;
            if (Health(Apply(pool, context, BuildSeize(pool, context, config, key, mid)), context) >= target)
            {
                high = mid;
            }
            else
            {
                low = mid;
            }
        }

        CollateralParams p = context.CollateralFor(key);
        Fixed remainderValue = TokenAmounts.Value(held - high, context.PriceFor(key).Low, p.Decimals, Rounding.Down);
        return remainderValue < config.DustValue ? whole : BuildSeize(pool, context, config, key, high);
    }

    private static IEnumerable<AssetKey> CollateralOrder(SubAccount pool, RiskContext context, LiquidationConfig config)
    {
        var candidates = pool.Balances
            .Where(b => b.Units > 0 && b.Key != context.Settlement)
            .Select(b =>
            {
                CollateralParams p = context.CollateralFor(b.Key);
                Fixed value = TokenAmounts.Value(b.Units, context.PriceFor(b.Key).Low, p.Decimals, Rounding.Down);
                return (b.Key, Weight: p.AssetWeight(HealthType.LiquidationEnd).MulRoundDown(context.ChainHaircut(b.Key.Chain)), Value: value,
                    Cost: config.ChainCosts.TryGetValue(b.Key.Chain, out Fixed cost) ? cost : Fixed.Zero);
            })
            .ToList();
        var ordered = config.Policy switch
        {
            CollateralPolicy.LowestWeightFirst => candidates.OrderBy(c => c.Weight).ThenByDescending(c => c.Value),
            CollateralPolicy.LargestFirst => candidates.OrderByDescending(c => c.Value).ThenBy(c => c.Weight),
            _ => candidates.OrderBy(c => c.Cost).ThenByDescending(c => c.Value),
        };
        return ordered.ThenBy(c => c.Key.ToString(), StringComparer.Ordinal).Select(c => c.Key).ToList();
    }

    private static Bankruptcy AllocateLoss(Int128 loss, SubAccount pool, RiskContext context, Int128 insuranceFundUnits, IReadOnlyList<AdlCandidate> candidates)
    {
        Int128 insurance = Int128.Min(loss, insuranceFundUnits);
        Int128 remaining = loss - insurance;
        int decimals = context.CollateralFor(context.Settlement).Decimals;

        // Opposing side of the positions the pool held; a pool without positions (a pure debt) spreads over
        // every profitable candidate.
        var held = pool.Positions.ToDictionary(p => p.Market, p => p.Size.Sign, StringComparer.Ordinal);
        var ranked = candidates
            .Where(c => !c.Size.IsZero && c.AccountValue.IsPositive && context.MarketStates.ContainsKey(c.Market))
            .Where(c => held.Count == 0 || (held.TryGetValue(c.Market, out int sign) && sign == -c.Size.Sign))
            .Select(c =>
            {
                Fixed mark = context.MarketStateFor(c.Market).Mark.Price;
                Int128 profit = c.Size.MulRoundDown(mark - c.EntryPrice).ToScaled(decimals, Rounding.Down);
                return (Candidate: c, Profit: profit, Index: AdlRankingIndex(c.Size, c.EntryPrice, mark, c.AccountValue));
            })
            .Where(x => x.Profit > 0)
            .OrderByDescending(x => x.Index)
            .ThenBy(x => x.Candidate.AccountId, StringComparer.Ordinal)
            .ThenBy(x => x.Candidate.Market, StringComparer.Ordinal)
            .ToList();

        var socialized = ImmutableArray.CreateBuilder<SocializedLoss>();
        foreach (var (candidate, profit, index) in ranked)
        {
            if (remaining == 0)
            {
                break;
            }

            Int128 share = Int128.Min(remaining, profit);
            socialized.Add(new SocializedLoss(candidate.AccountId, candidate.Market, share, index));
            remaining -= share;
        }

        return new Bankruptcy(loss, insurance, socialized.ToImmutable(), remaining);
    }
}
