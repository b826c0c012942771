using System.Collections.Immutable;
using Clearing.Domain.Accounts;
using Clearing.Domain.Assets;
using Clearing.Domain.Health;
using Clearing.Domain.Liquidation;
using Clearing.Domain.Markets;
using Clearing.Domain.Numerics;
using static Clearing.Domain.Tests.TestWorld;

namespace Clearing.Domain.Tests.Liquidation;

public sealed class LiquidationPlannerTests
{
    private static readonly LiquidationConfig Config = new(
        buffer: Fixed.Zero,
        positionPenalty: F("0.01"),
        collateralPenalty: F("0.02"),
        liquidatorShare: F("0.5"),
        policy: CollateralPolicy.LowestWeightFirst,
        dustValue: F("1"));

    private static RiskContext ContextWithSolAt(string price) =>
        Context() with { Prices = Context().Prices.SetItem("SOL", PriceQuote.Exact(F(price))) };

    [Fact]
    public void Healthy_account_gets_no_plan() =>
        Assert.Null(LiquidationPlanner.Plan(Alice(), Context(), Config, 0, []));

    [Fact]
    public void Partial_liquidation_closes_the_position_then_seizes_the_fewest_sol_units()
    {
        // SOL at 55: maint 495 − 500 + 10 − 30 = −25; liquidation-end 467.5 − 500 + 10 − 45 = −67.5.
        RiskContext context = ContextWithSolAt("55");
        LiquidationPlan plan = LiquidationPlanner.Plan(Alice(), context, Config, 0, [])!;
        Assert.Equal(F("-25"), plan.MaintHealthBefore);
        Assert.Equal(F("-67.5"), plan.LiquidationEndHealthBefore);
        Assert.False(plan.IsBankrupt);
        Assert.Equal(2, plan.Actions.Length);

        // Closing 0.01 BTC frees 45 of requirement for a 6 USD fee (0.01 × 60000 × 1 %): −28.5.
        var reduce = Assert.IsType<ReducePosition>(plan.Actions[0]);
        Assert.Equal("BTC-PERP", reduce.Market);
        Assert.Equal(F("0.01"), reduce.SizeClosed);
        Assert.Equal(Units("10", 6), reduce.RealizedUnits);
        Assert.Equal(Units("6", 6), reduce.FeeUnits);
        Assert.Equal(Units("3", 6), reduce.LiquidatorFeeUnits);

        // Each SOL seized gains 55 × 0.98 − 55 × 0.85 = 7.15: 28.5 / 7.15 ≈ 3.986 SOL.
        var seize = Assert.IsType<SeizeCollateral>(plan.Actions[1]);
        Assert.Equal(SolOnSolana, seize.Collateral);
        Assert.InRange(seize.Units, Units("3.986", 9), Units("3.987", 9));
        Assert.Equal(seize.ValueUnits, seize.CreditUnits + seize.LiquidatorFeeUnits + seize.InsuranceFeeUnits);

        SubAccount after = LiquidationPlanner.Apply(Alice(), context, plan);
        Fixed health = HealthCalculator.Compute(after, context).LiquidationEndHealth;
        Assert.False(health.IsNegative);
        Assert.Equal(plan.LiquidationEndHealthAfter, health);

        // Minimal: one base unit less would not restore health.
        SeizeCollateral less = LiquidationPlanner.BuildSeize(LiquidationPlanner.Apply(Alice(), context, reduce), context, Config, SolOnSolana, seize.Units - 1);
        SubAccount afterLess = LiquidationPlanner.Apply(LiquidationPlanner.Apply(Alice(), context, reduce), context, less);
        Assert.True(HealthCalculator.Compute(afterLess, context).LiquidationEndHealth.IsNegative);
    }

    [Fact]
    public void Bankrupt_account_loses_everything_and_the_loss_goes_to_insurance_then_to_ranked_opposing_positions()
    {
        // SOL at 45: every action together leaves −500 + 10 − 6 + 441 = −55 USDC.
        RiskContext context = ContextWithSolAt("45");
        AdlCandidate bob = new("bob", "BTC-PERP", F("-0.02"), F("62000"), F("1000"));    // profit 40, index (62000/60000)·1.2
        AdlCandidate carol = new("carol", "BTC-PERP", F("-0.1"), F("61000"), F("10000")); // profit 100, index (61000/60000)·0.6
        AdlCandidate dave = new("dave", "BTC-PERP", F("0.5"), F("50000"), F("10000"));    // same side as alice: never deleveraged
        LiquidationPlan plan = LiquidationPlanner.Plan(Alice(), context, Config, Units("20", 6), [carol, dave, bob])!;

        Bankruptcy bankruptcy = Assert.IsType<Bankruptcy>(plan.Bankruptcy);
        Assert.Equal(Units("55", 6), bankruptcy.LossUnits);
        Assert.Equal(Units("20", 6), bankruptcy.InsuranceUnits);
        SocializedLoss only = Assert.Single(bankruptcy.Socialized);
        Assert.Equal("bob", only.AccountId);
        Assert.Equal(Units("35", 6), only.Units);
        Assert.Equal(Int128.Zero, bankruptcy.UnallocatedUnits);

        SubAccount after = LiquidationPlanner.Apply(Alice(), context, plan);
        Assert.Empty(after.Positions);
        Assert.Empty(after.Balances);
    }

    [Fact]
    public void Loss_beyond_insurance_and_candidate_profits_is_reported_unallocated()
    {
        LiquidationPlan plan = LiquidationPlanner.Plan(Alice(), ContextWithSolAt("45"), Config, Units("5", 6), [new("bob", "BTC-PERP", F("-0.01"), F("61000"), F("100"))])!;
        Bankruptcy b = plan.Bankruptcy!;
        Assert.Equal(Units("5", 6), b.InsuranceUnits);
        Assert.Equal(Units("10", 6), b.SocializedUnits); // bob's whole profit 0.01 × 1000
        Assert.Equal(Units("40", 6), b.UnallocatedUnits);
        Assert.Equal(b.LossUnits, b.InsuranceUnits + b.SocializedUnits + b.UnallocatedUnits);
    }

    [Theory]
    [InlineData(CollateralPolicy.LowestWeightFirst, "arbitrum:ETH")] // liquidation-end weight 0.8 < SOL's 0.85
    [InlineData(CollateralPolicy.LargestFirst, "solana:SOL")]       // 1000 USD of SOL > 300 of ETH
    [InlineData(CollateralPolicy.CheapestChainFirst, "arbitrum:ETH")]
    public void Collateral_is_seized_in_policy_order(CollateralPolicy policy, string first)
    {
        SubAccount pool = new SubAccount("p")
            .WithBalance(SolOnSolana, Units("10", 9))
            .WithBalance(EthOnArbitrum, Units("0.1", 18))
            .WithBalance(UsdcOnEthereum, Units("-1200", 6));
        LiquidationConfig config = new(Fixed.Zero, F("0.01"), F("0.02"), F("0.5"), policy, F("1"))
        {
            ChainCosts = ImmutableDictionary<ChainId, Fixed>.Empty.Add(ChainId.Solana, F("2")).Add(ChainId.Arbitrum, F("1")),
        };
        LiquidationPlan plan = LiquidationPlanner.Plan(pool, Context(), config, 0, [])!;
        var seize = Assert.IsType<SeizeCollateral>(plan.Actions[0]);
        Assert.Equal(first, seize.Collateral.ToString());
    }

    [Fact]
    public void Remainder_worth_less_than_dust_is_taken_whole()
    {
        // Needs about 3.986 SOL of 10; with dust at 500 USD the 6 SOL left (330 USD) are dust.
        LiquidationConfig dusty = new(Fixed.Zero, F("0.01"), F("0.02"), F("0.5"), CollateralPolicy.LowestWeightFirst, F("500"));
        LiquidationPlan plan = LiquidationPlanner.Plan(Alice(), ContextWithSolAt("55"), dusty, 0, [])!;
        var seize = Assert.IsType<SeizeCollateral>(plan.Actions[^1]);
        Assert.Equal(Units("10", 9), seize.Units);
    }

    [Fact]
    public void Isolated_sub_account_is_liquidated_alone_and_the_cross_pool_is_untouched()
    {
        SubAccount isolated = new SubAccount("alice/iso")
            .WithBalance(UsdcOnEthereum, Units("20", 6))
            .WithPosition(new PerpPosition("SOL-PERP", F("10"), F("105"), Fixed.Zero)); // −50 PnL, maint 100
        var account = new MarginAccount("alice", Alice(), [isolated]);
        ImmutableArray<LiquidationPlan> plans = LiquidationPlanner.PlanAccount(account, Context(), Config, Units("1000", 6), []);
        LiquidationPlan plan = Assert.Single(plans);
        Assert.Equal("alice/iso", plan.SubAccountId);
        Assert.All(plan.Actions, a => Assert.True(a is ReducePosition { Market: "SOL-PERP" }));
    }

    [Fact]
    public void Buffer_raises_the_target_above_zero()
    {
        LiquidationConfig buffered = new(F("10"), F("0.01"), F("0.02"), F("0.5"), CollateralPolicy.LowestWeightFirst, F("1"));
        LiquidationPlan plan = LiquidationPlanner.Plan(Alice(), ContextWithSolAt("55"), buffered, 0, [])!;
        Assert.True(plan.LiquidationEndHealthAfter >= F("10"));
        Assert.True(plan.LiquidationEndHealthAfter < F("10.01"));
    }

    [Fact]
    public void Adl_ranking_index_is_pnl_factor_times_leverage()
    {
        // short 0.02 from 62000 at 60000 with 1000 of account value: (62000 / 60000) × (1200 / 1000).
        Assert.Equal(F("1.24"), LiquidationPlanner.AdlRankingIndex(F("-0.02"), F("62000"), F("60000"), F("1000")));
        // long 1 from 100 at 110 with 50 of account value: (110 / 100) × (110 / 50).
        Assert.Equal(F("2.42"), LiquidationPlanner.AdlRankingIndex(F("1"), F("100"), F("110"), F("50")));
    }

    [Fact]
    public void Liquidator_share_of_one_is_refused_so_self_liquidation_cannot_pay() =>
        Assert.Throws<ArgumentException>(() => new LiquidationConfig(Fixed.Zero, F("0.01"), F("0.02"), Fixed.One, CollateralPolicy.LargestFirst, Fixed.Zero));
}
