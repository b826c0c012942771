using Clearing.Domain.Accounts;
using Clearing.Domain.Health;
using Clearing.Domain.Markets;
using Clearing.Domain.Numerics;
using static Clearing.Domain.Tests.TestWorld;

namespace Clearing.Domain.Tests.Health;

public sealed class HealthSnapshotTests
{
    [Fact]
    public void What_if_copies_leave_the_original_snapshot_untouched()
    {
        HealthSnapshot original = HealthCalculator.Compute(Alice(), Context());
        HealthSnapshot deposited = original.WithDeposit(SolOnSolana, Units("1", 9));
        HealthSnapshot withdrawn = original.WithWithdrawal(SolOnSolana, Units("1", 9));
        HealthSnapshot traded = original.WithTrade("BTC-PERP", F("0.01"), F("60000"));

        Assert.Equal(F("250"), original.InitHealth);
        Assert.Equal(F("330"), deposited.InitHealth);   // + 1 SOL × 100 × 0.8
        Assert.Equal(F("170"), withdrawn.InitHealth);
        Assert.Equal(F("190"), traded.InitHealth);      // + 0.01 BTC: requirement 60 more
        Assert.Equal(Units("10", 9), original.Account.BalanceOf(SolOnSolana));
        Assert.Equal(F("0.01"), original.Account.PositionIn("BTC-PERP")!.Value.Size);
    }

    [Fact]
    public void Max_withdrawable_keeps_initial_health_at_or_above_zero_rounded_down()
    {
        HealthSnapshot health = HealthCalculator.Compute(Alice(), Context());
        // 250 USD of init health / (100 × 0.8) = 3.125 SOL.
        Int128 max = health.MaxWithdrawable(SolOnSolana);
        Assert.Equal(Units("3.125", 9), max);
        Assert.False(health.WithWithdrawal(SolOnSolana, max).InitHealth.IsNegative);
        Assert.True(health.WithWithdrawal(SolOnSolana, max + 1).InitHealth.IsNegative);
    }

    [Fact]
    public void Settlement_asset_can_be_borrowed_up_to_initial_health()
    {
        HealthSnapshot health = HealthCalculator.Compute(Alice(), Context());
        Int128 max = health.MaxWithdrawable(UsdcOnEthereum);
        Assert.Equal(Units("250", 6), max); // liability weight 1
        Assert.True(health.WithWithdrawal(UsdcOnEthereum, max + 1).InitHealth.IsNegative);
    }

    [Fact]
    public void Collateral_that_may_not_go_negative_is_withdrawable_only_up_to_its_balance()
    {
        SubAccount rich = new SubAccount("rich").WithBalance(UsdcOnSolana, Units("10", 6));
        Assert.Equal(Units("10", 6), HealthCalculator.Compute(rich, Context()).MaxWithdrawable(UsdcOnSolana));
    }

    [Fact]
    public void Order_that_keeps_initial_health_is_accepted_and_one_that_breaks_it_is_rejected_with_the_reason()
    {
        HealthSnapshot health = HealthCalculator.Compute(Alice(), Context());
        PreTradeDecision small = health.CheckOrder(new Order("BTC-PERP", F("0.02"), F("60000")));
        Assert.True(small.Accepted);
        // Entry re-averages to 1790 / 0.03 = 59666.666…667 (a long's entry rounds up), so the PnL is one
        // unit short of 10: 800 − 500 + 9.999…999 − 180.
        Assert.Equal(F("129.999999999999999999"), small.InitHealthAfter);

        PreTradeDecision big = health.CheckOrder(new Order("BTC-PERP", F("0.05"), F("60000")));
        Assert.False(big.Accepted);
        Assert.Contains("initial health would be -50", big.Reason);

        PreTradeDecision unknown = health.CheckOrder(new Order("DOGE-PERP", F("1"), F("1")));
        Assert.False(unknown.Accepted);
        Assert.Contains("unknown market", unknown.Reason);
    }

    [Fact]
    public void Stale_mark_rejects_new_risk_but_allows_reducing()
    {
        RiskContext context = Context(now: 10_000) with
        {
            PricePolicy = new PricePolicy(60, F("0.02"), F("0.001"), F("0.1")),
            Prices = Context().Prices.SetItems(Context().Prices.Select(p => KeyValuePair.Create(p.Key, p.Value with { PublishTime = 10_000 }))),
            MarketStates = Context().MarketStates.SetItem("BTC-PERP", new PerpMarketState(new PriceQuote(F("60000"), Fixed.Zero, 9_000), Fixed.Zero, Fixed.Zero)),
        };
        HealthSnapshot health = HealthCalculator.Compute(Alice(), context);
        PreTradeDecision increase = health.CheckOrder(new Order("BTC-PERP", F("0.001"), F("60000")));
        Assert.False(increase.Accepted);
        Assert.Contains("stale", increase.Reason);
        Assert.True(health.CheckOrder(new Order("BTC-PERP", F("-0.005"), F("60000"))).Accepted);
    }

    [Fact]
    public void Pending_deposits_are_visible_but_worth_zero()
    {
        SubAccount alice = Alice();
        SubAccount withPending = alice with { PendingDeposits = [new PendingDeposit(SolOnSolana, Units("100", 9), "0xabc")] };
        HealthSnapshot a = HealthCalculator.Compute(alice, Context());
        HealthSnapshot b = HealthCalculator.Compute(withPending, Context());
        Assert.Single(b.Account.PendingDeposits);
        Assert.Equal(a.InitHealth, b.InitHealth);
        Assert.Equal(a.MaintHealth, b.MaintHealth);
        Assert.Equal(a.CollateralValue, b.CollateralValue);
    }

    [Fact]
    public void Funding_owed_lowers_health_and_settles_into_the_settlement_balance()
    {
        RiskContext context = Context() with
        {
            MarketStates = Context().MarketStates.SetItem("BTC-PERP", new PerpMarketState(PriceQuote.Exact(F("60000")), F("150"), Fixed.Zero)),
        };
        // long 0.01 × (150 − 0) = 1.5 USD owed.
        Assert.Equal(F("248.5"), HealthCalculator.Compute(Alice(), context).InitHealth);
        SubAccount settled = Trading.SettleFunding(Alice(), context, "BTC-PERP");
        Assert.Equal(Units("-501.5", 6), settled.BalanceOf(UsdcOnEthereum));
        Assert.Equal(F("150"), settled.PositionIn("BTC-PERP")!.Value.LastFundingIndex);
        Assert.Equal(F("248.5"), HealthCalculator.Compute(settled, context).InitHealth);
    }

    [Fact]
    public void Closing_a_position_realizes_its_pnl_and_flipping_opens_at_the_fill_price()
    {
        SubAccount closed = Trading.ApplyFill(Alice(), Context(), "BTC-PERP", F("-0.01"), F("61000"));
        Assert.Null(closed.PositionIn("BTC-PERP"));
        Assert.Equal(Units("-480", 6), closed.BalanceOf(UsdcOnEthereum)); // + 0.01 × 2000

        SubAccount flipped = Trading.ApplyFill(Alice(), Context(), "BTC-PERP", F("-0.03"), F("61000"));
        Assert.Equal(F("-0.02"), flipped.PositionIn("BTC-PERP")!.Value.Size);
        Assert.Equal(F("61000"), flipped.PositionIn("BTC-PERP")!.Value.EntryPrice);

        SubAccount added = Trading.ApplyFill(Alice(), Context(), "BTC-PERP", F("0.01"), F("61000"));
        Assert.Equal(F("60000"), added.PositionIn("BTC-PERP")!.Value.EntryPrice);
    }

    [Fact]
    public void Health_types_are_ordered_init_le_liquidation_end_le_maint()
    {
        HealthSnapshot health = HealthCalculator.Compute(Alice(), Context());
        Assert.True(health.InitHealth <= health.LiquidationEndHealth);
        Assert.True(health.LiquidationEndHealth <= health.MaintHealth);
    }

    [Fact]
    public void Tiers_size_premium_and_volatility_raise_the_requirement_together()
    {
        var market = new PerpMarket("BTC-PERP", F("0.1"), F("0.05"))
        {
            Tiers = new MarginTiers([new MarginTier(F("0"), F("0.1"), F("0.05")), new MarginTier(F("500"), F("0.2"), F("0.1"))]),
        };
        RiskContext context = Context() with { Markets = Context().Markets.SetItem("BTC-PERP", market) };
        // notional 600: tier 2 maint 600 × 0.1 − 500 × 0.05 = 35 (> 30 from the base ratio).
        Assert.Equal(F("375"), HealthCalculator.Compute(Alice(), context).MaintHealth); // 900 − 500 + 10 − 35
    }

    [Fact]
    public void Chain_haircut_from_the_context_discounts_collateral_held_on_that_chain()
    {
        RiskContext context = Context() with { ChainHaircuts = Context().ChainHaircuts.Add(SolOnSolana.Chain, F("0.5")) };
        HealthSnapshot health = HealthCalculator.Compute(Alice(), context);
        Assert.Equal(F("-150"), health.InitHealth);  // 1000 × 0.8 × 0.5 − 500 + 10 − 60
        Assert.Equal(F("-70"), health.MaintHealth);  // 1000 × 0.9 × 0.5 − 500 + 10 − 30
        Assert.True(health.IsLiquidatable);
        Assert.Equal(Int128.Zero, health.MaxWithdrawable(SolOnSolana));
    }

    [Fact]
    public void Stale_mark_caps_a_position_initial_contribution_at_zero_and_widens_its_maintenance_price()
    {
        SubAccount winner = new SubAccount("w")
            .WithBalance(UsdcOnEthereum, Units("100", 6))
            .WithPosition(new PerpPosition("SOL-PERP", F("10"), F("50"), Fixed.Zero)); // +500 PnL at 100, init req 200, maint 100
        RiskContext fresh = Context(now: 1_000) with { PricePolicy = new PricePolicy(60, F("0.02"), F("0.001"), F("0.1")) };
        fresh = fresh with
        {
            Prices = fresh.Prices.SetItems(fresh.Prices.Select(p => KeyValuePair.Create(p.Key, p.Value with { PublishTime = 1_000 }))),
            MarketStates = fresh.MarketStates.SetItem("SOL-PERP", new PerpMarketState(new PriceQuote(F("100"), Fixed.Zero, 1_000), Fixed.Zero, Fixed.Zero)),
        };
        RiskContext stale = fresh with { Now = 1_070 }; // 10 s beyond the maximum age: band widens by 1 %
        stale = stale with { Prices = fresh.Prices.SetItems(fresh.Prices.Select(p => KeyValuePair.Create(p.Key, p.Value with { PublishTime = 1_070 }))) };

        HealthSnapshot a = HealthCalculator.Compute(winner, fresh);
        HealthSnapshot b = HealthCalculator.Compute(winner, stale);
        Assert.Equal(F("400"), a.InitHealth);  // 100 + 500 − 200
        Assert.Equal(F("100"), b.InitHealth);  // the position's 10 × (99 − 50) − 198 = 292 counts as 0
        Assert.Equal(F("500"), a.MaintHealth); // 100 + 500 − 100
        Assert.Equal(F("491"), b.MaintHealth); // 100 + 490 − 99 at the widened price 99
    }
}
