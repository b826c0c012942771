using Clearing.Domain.Accounts;
using Clearing.Domain.Assets;
using Clearing.Domain.Health;
using Clearing.Domain.Markets;
using Clearing.Domain.Numerics;
using Clearing.Domain.Tests.Support;

namespace Clearing.Domain.Tests.Properties;

public sealed class HealthProperties
{
    private const int Cases = 3000;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void More_collateral_never_lowers_any_health(int seed)
    {
        var world = new RandomPortfolios(seed);
        for (int i = 0; i < Cases; i++)
        {
            RiskContext context = world.Context(extras: true);
            SubAccount pool = world.Pool(context);
            AssetKey key = world.CollateralKeys[world.Random.Next(world.CollateralKeys.Count)];
            Int128 more = world.Random.NextInt64(1, long.MaxValue) >> world.Random.Next(0, 62);
            HealthSnapshot before = HealthCalculator.Compute(pool, context);
            HealthSnapshot after = before.WithDeposit(key, more);
            foreach (HealthType type in Enum.GetValues<HealthType>())
            {
                Assert.True(after.Health(type) >= before.Health(type), $"case {i}: {type} fell from {before.Health(type)} to {after.Health(type)} after depositing {more} of {key}");
            }

            Assert.True(after.CollateralValue >= before.CollateralValue);
        }
    }

    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    public void Health_types_are_always_ordered_init_le_liquidation_end_le_maint(int seed)
    {
        var world = new RandomPortfolios(seed);
        for (int i = 0; i < Cases; i++)
        {
            RiskContext context = world.Context(extras: true);
            HealthSnapshot health = HealthCalculator.Compute(world.Pool(context), context);
            Assert.True(health.InitHealth <= health.LiquidationEndHealth, $"case {i}: init {health.InitHealth} > liquidation-end {health.LiquidationEndHealth}");
            Assert.True(health.LiquidationEndHealth <= health.MaintHealth, $"case {i}: liquidation-end {health.LiquidationEndHealth} > maint {health.MaintHealth}");
        }
    }

    [Theory]
    [InlineData(5)]
    [InlineData(6)]
    public void Rounding_always_favours_the_clearing_house_against_the_exact_rational_health(int seed)
    {
        var world = new RandomPortfolios(seed);
        // Each rounding costs the account at most a few 10^-18 units per term: the fixed-point figure is
        // never above the exact one, and never far below it.
        Rational tolerance = new(1, 1_000_000_000_000_000);
        for (int i = 0; i < Cases; i++)
        {
            RiskContext context = world.Context(extras: false);
            SubAccount pool = world.Pool(context);
            HealthSnapshot health = HealthCalculator.Compute(pool, context);
            foreach (HealthType type in Enum.GetValues<HealthType>())
            {
                Rational exact = ExactHealth.Health(pool, context, type);
                Rational ours = Rational.Of(health.Health(type));
                Assert.True(ours <= exact, $"case {i}: {type} {health.Health(type)} exceeds the exact {exact}");
                Assert.True(exact - ours <= tolerance, $"case {i}: {type} {health.Health(type)} is {exact - ours} below the exact value");
            }
        }
    }

    [Theory]
    [InlineData(7)]
    public void Max_withdrawable_is_the_largest_amount_keeping_initial_health_non_negative(int seed)
    {
        var world = new RandomPortfolios(seed);
        int checkedCases = 0;
        for (int i = 0; i < Cases; i++)
        {
            RiskContext context = world.Context(extras: true);
            HealthSnapshot health = HealthCalculator.Compute(world.Pool(context), context);
            AssetKey key = world.Random.Next(3) == 0 ? RandomPortfolios.Settlement : world.CollateralKeys[world.Random.Next(world.CollateralKeys.Count)];
            Int128 max = health.MaxWithdrawable(key);
            if (health.InitHealth.IsNegative)
            {
                Assert.Equal(Int128.Zero, max);
                continue;
            }

            Assert.False(health.WithWithdrawal(key, max).InitHealth.IsNegative, $"case {i}: withdrawing {max} of {key} breaks initial health");
            bool limitedByBalance = !context.CollateralFor(key).MayGoNegative && max == Int128.Max(health.Account.BalanceOf(key), 0);
            if (!limitedByBalance)
            {
                Assert.True(health.WithWithdrawal(key, max + 1).InitHealth.IsNegative, $"case {i}: {max} of {key} is not the largest");
            }

            checkedCases++;
        }

        Assert.True(checkedCases > Cases / 4);
    }

    [Theory]
    [InlineData(8)]
    public void Three_at_once_contributions_equal_the_single_type_ones(int seed)
    {
        var world = new RandomPortfolios(seed);
        for (int i = 0; i < Cases; i++)
        {
            RiskContext context = world.Context(extras: true);
            SubAccount pool = world.Pool(context);
            foreach (Balance b in pool.Balances)
            {
                CollateralParams p = context.CollateralFor(b.Key);
                AdjustedPrice price = context.PriceFor(b.Key);
                Fixed haircut = context.ChainHaircut(b.Key.Chain);
                HealthTriple triple = CollateralParams.Contributions(b.Units, p, price, haircut);
                foreach (HealthType type in Enum.GetValues<HealthType>())
                {
                    Assert.Equal(CollateralParams.Contribution(b.Units, p, price, type, haircut), triple[type]);
                }
            }

            foreach (PerpPosition position in pool.Positions)
            {
                PerpMarketState state = context.MarketStateFor(position.Market);
                AdjustedPrice mark = context.MarkFor(position.Market);
                PerpMarket market = context.MarketFor(position.Market);
                HealthTriple triple = PerpMargin.Contributions(position.Size, position.EntryPrice, position.LastFundingIndex, market, state, mark);
                foreach (HealthType type in Enum.GetValues<HealthType>())
                {
                    Assert.Equal(PerpMargin.Contribution(position.Size, position.EntryPrice, position.LastFundingIndex, market, state, mark, type), triple[type]);
                }
            }
        }
    }
}
