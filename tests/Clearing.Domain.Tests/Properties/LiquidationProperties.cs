using Clearing.Domain.Accounts;
using Clearing.Domain.Health;
using Clearing.Domain.Liquidation;
using Clearing.Domain.Markets;
using Clearing.Domain.Numerics;
using Clearing.Domain.Tests.Support;

namespace Clearing.Domain.Tests.Properties;

public sealed class LiquidationProperties
{
    private const int Cases = 2000;

    [Theory]
    [InlineData(11)]
    public void No_plan_is_ever_produced_for_an_account_that_is_not_liquidatable(int seed)
    {
        var world = new RandomPortfolios(seed);
        int healthy = 0;
        for (int i = 0; i < Cases * 2; i++)
        {
            RiskContext context = world.Context(extras: true);
            SubAccount pool = world.Pool(context);
            HealthSnapshot health = HealthCalculator.Compute(pool, context);
            LiquidationPlan? plan = LiquidationPlanner.Plan(pool, context, world.Config(), 0, []);
            Assert.Equal(health.IsLiquidatable, plan is not null);
            healthy += health.IsLiquidatable ? 0 : 1;
        }

        Assert.True(healthy > Cases / 4, $"only {healthy} healthy cases drawn");
    }

    [Theory]
    [InlineData(12, true)]
    [InlineData(13, false)]
    public void After_a_plan_liquidation_end_health_is_non_negative_or_the_account_is_bankrupt_with_the_loss_fully_allocated(int seed, bool extras)
    {
        var world = new RandomPortfolios(seed);
        int bankrupt = 0;
        for (int i = 0; i < Cases; i++)
        {
            (RiskContext context, SubAccount pool) = world.LiquidatablePool(extras);
            Int128 insurance = world.Random.NextInt64(0, 5_000_000_000);
            IReadOnlyList<AdlCandidate> candidates = world.AdlCandidates(context);
            LiquidationPlan plan = LiquidationPlanner.Plan(pool, context, world.Config(), insurance, candidates)!;
            SubAccount after = LiquidationPlanner.Apply(pool, context, plan);
            Fixed health = HealthCalculator.Compute(after, context).LiquidationEndHealth;
            Assert.Equal(plan.LiquidationEndHealthAfter, health);
            Assert.True(plan.Actions.Length > 0 || plan.IsBankrupt, $"case {i}: empty plan");

            if (plan.Bankruptcy is { } b)
            {
                bankrupt++;
                Assert.True(b.LossUnits > 0);
                Assert.Equal(b.LossUnits, b.InsuranceUnits + b.SocializedUnits + b.UnallocatedUnits);
                Assert.True(b.InsuranceUnits <= insurance);
                Assert.True(b.InsuranceUnits == insurance || b.InsuranceUnits == b.LossUnits, "the insurance fund pays first");
                Assert.Empty(after.Positions);
                Assert.All(after.Balances, bal => Assert.True(bal.Units <= 0 || bal.Key == context.Settlement));
                Assert.Equal(Int128.Zero, after.BalanceOf(context.Settlement));
                Assert.All(b.Socialized, s => Assert.True(s.Units > 0));
                for (int k = 0; k < b.Socialized.Length; k++)
                {
                    SocializedLoss share = b.Socialized[k];
                    AdlCandidate candidate = candidates.Single(c => c.AccountId == share.AccountId);
                    Fixed mark = context.MarketStateFor(candidate.Market).Mark.Price;
                    Assert.True(Rational.Of(share.Units, 6) <= Rational.Of(candidate.Size) * (Rational.Of(mark) - Rational.Of(candidate.EntryPrice)), "a share never exceeds the position's profit");
                    Assert.True(candidate.Size.Sign == -pool.PositionIn(candidate.Market)?.Size.Sign || pool.Positions.IsEmpty, "only opposing positions are deleveraged");
                    Assert.True(k == 0 || b.Socialized[k - 1].RankingIndex >= share.RankingIndex, "ranked by the ADL index");
                }
            }

            else
            {
                Assert.False(health.IsNegative, $"case {i}: liquidation-end health {health} after the plan");
            }
        }

        Assert.True(bankrupt > 0 && bankrupt < Cases, $"{bankrupt} bankruptcies out of {Cases}: the draw does not cover both outcomes");
    }

    [Theory]
    [InlineData(14)]
    public void Liquidation_conserves_value_seized_value_and_fees_equal_what_the_account_is_debited(int seed)
    {
        var world = new RandomPortfolios(seed);
        for (int i = 0; i < Cases; i++)
        {
            (RiskContext context, SubAccount pool) = world.LiquidatablePool(extras: true);
            LiquidationConfig config = world.Config();
            LiquidationPlan plan = LiquidationPlanner.Plan(pool, context, config, world.Random.NextInt64(0, 5_000_000_000), world.AdlCandidates(context))!;
            SubAccount current = pool;
            foreach (LiquidationAction action in plan.Actions)
            {
                SubAccount next = LiquidationPlanner.Apply(current, context, action);
                Int128 settlementDelta = next.BalanceOf(context.Settlement) - current.BalanceOf(context.Settlement);
                Assert.Equal(action.FeeUnits, action.LiquidatorFeeUnits + action.InsuranceFeeUnits);
                Assert.True(action.LiquidatorFeeUnits >= 0 && action.InsuranceFeeUnits >= 0);
                switch (action)
                {
                    case SeizeCollateral seize:
                        // Seized value = credit to the account + liquidator fee + insurance fee, to the base unit.
                        Assert.Equal(seize.ValueUnits, seize.CreditUnits + seize.LiquidatorFeeUnits + seize.InsuranceFeeUnits);
                        Assert.Equal(-seize.Units, next.BalanceOf(seize.Collateral) - current.BalanceOf(seize.Collateral));
                        Assert.Equal(seize.CreditUnits, settlementDelta);
                        Rational exactValue = Rational.Of(seize.Units, context.CollateralFor(seize.Collateral).Decimals) * Rational.Of(seize.Price);
                        Assert.True(Rational.Of(seize.ValueUnits, 6) <= exactValue, $"case {i}: seized value rounded up");
                        break;
                    case ReducePosition reduce:
                        Assert.Equal(reduce.RealizedUnits - reduce.FeeUnits, settlementDelta);
                        Fixed before = current.PositionIn(reduce.Market)!.Value.Size.Abs();
                        Fixed after = next.PositionIn(reduce.Market)?.Size.Abs() ?? Fixed.Zero;
                        Assert.Equal(reduce.SizeClosed, before - after);
                        break;
                }

                current = next;
            }

            Int128 seized = plan.Actions.OfType<SeizeCollateral>().Aggregate(Int128.Zero, (s, a) => s + a.ValueUnits);
            Int128 credited = plan.Actions.OfType<SeizeCollateral>().Aggregate(Int128.Zero, (s, a) => s + a.CreditUnits);
            Int128 positionFees = plan.Actions.OfType<ReducePosition>().Aggregate(Int128.Zero, (s, a) => s + a.FeeUnits);
            Assert.Equal(seized + positionFees, credited + plan.LiquidatorFeeUnits + plan.InsuranceFeeUnits);
        }
    }

    [Theory]
    [InlineData(15)]
    public void Self_liquidation_is_never_profitable(int seed)
    {
        var world = new RandomPortfolios(seed);
        int withFees = 0;
        for (int i = 0; i < Cases; i++)
        {
            (RiskContext context, SubAccount pool) = world.LiquidatablePool(extras: true);
            LiquidationPlan plan = LiquidationPlanner.Plan(pool, context, world.Config(), 0, [])!;
            if (plan.IsBankrupt)
            {
                continue; // the account's debt is written off: there is nothing left for its owner to gain
            }

            // The owner liquidating themself keeps the liquidator's fees; what the account loses at fair
            // (mid) prices must cover them, strictly when any fee is charged.
            Rational loss = Equity(pool, context) - Equity(LiquidationPlanner.Apply(pool, context, plan), context);
            Rational liquidatorGain = Rational.Of(plan.LiquidatorFeeUnits, 6);
            Assert.True(loss >= liquidatorGain, $"case {i}: self-liquidation gains {liquidatorGain - loss}");
            if (plan.LiquidatorFeeUnits + plan.InsuranceFeeUnits > 0)
            {
                withFees++;
                Assert.True(loss > liquidatorGain, $"case {i}: self-liquidation breaks even");
            }
        }

        Assert.True(withFees > Cases / 4);
    }

    [Theory]
    [InlineData(16)]
    public void A_partial_last_action_is_the_smallest_that_reaches_the_buffer(int seed)
    {
        var world = new RandomPortfolios(seed);
        int partial = 0;
        for (int i = 0; i < Cases; i++)
        {
            (RiskContext context, SubAccount pool) = world.LiquidatablePool(extras: true);
            LiquidationConfig config = world.Config();
            LiquidationPlan plan = LiquidationPlanner.Plan(pool, context, config, 0, [])!;
            if (plan.IsBankrupt || plan.Actions.IsEmpty)
            {
                continue;
            }

            SubAccount beforeLast = pool;
            foreach (LiquidationAction action in plan.Actions.Take(plan.Actions.Length - 1))
            {
                beforeLast = LiquidationPlanner.Apply(beforeLast, context, action);
            }

            LiquidationAction? smaller = plan.Actions[^1] switch
            {
                SeizeCollateral s when s.Units < beforeLast.BalanceOf(s.Collateral) && s.Units > 1 =>
                    LiquidationPlanner.BuildSeize(beforeLast, context, config, s.Collateral, s.Units - 1),
                ReducePosition r when r.SizeClosed < beforeLast.PositionIn(r.Market)!.Value.Size.Abs() && r.SizeClosed.Raw > 1 =>
                    LiquidationPlanner.BuildReduce(beforeLast, context, config, r.Market, Fixed.FromRaw(r.SizeClosed.Raw - 1)),
                _ => null,
            };
            if (smaller is null)
            {
                continue;
            }

            partial++;
            Fixed health = HealthCalculator.Compute(LiquidationPlanner.Apply(beforeLast, context, smaller), context).LiquidationEndHealth;
            Assert.True(health < config.Buffer, $"case {i}: one unit less of the last action still reaches the buffer ({health} ≥ {config.Buffer})");
        }

        Assert.True(partial > Cases / 10, $"only {partial} partial plans drawn");
    }

    /// <summary>Account equity at mid prices, exact: balances + unrealized PnL − funding owed.</summary>
    private static Rational Equity(SubAccount pool, RiskContext context)
    {
        Rational total = Rational.Zero;
        foreach (Balance b in pool.Balances)
        {
            total += Rational.Of(b.Units, context.CollateralFor(b.Key).Decimals) * Rational.Of(context.PriceFor(b.Key).Mid);
        }

        foreach (PerpPosition p in pool.Positions)
        {
            PerpMarketState state = context.MarketStateFor(p.Market);
            total += Rational.Of(p.Size) * (Rational.Of(state.Mark.Price) - Rational.Of(p.EntryPrice));
            total -= Rational.Of(p.Size) * (Rational.Of(state.CumulativeFundingIndex) - Rational.Of(p.LastFundingIndex));
        }

        return total;
    }
}
