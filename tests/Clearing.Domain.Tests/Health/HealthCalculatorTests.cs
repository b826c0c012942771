using Clearing.Domain.Accounts;
using Clearing.Domain.Health;
using Clearing.Domain.Numerics;
using static Clearing.Domain.Tests.TestWorld;

namespace Clearing.Domain.Tests.Health;

public sealed class HealthCalculatorTests
{
    [Fact]
    public void Issue_example_portfolio_has_hand_computed_health()
    {
        // SOL 10 × 100 = 1000; USDC −500 at weight 1; BTC 0.01 long: pnl 0.01 × (60000 − 59000) = 10,
        // notional 600, requirement init 60 / maint 30 / liquidation-end 45.
        HealthSnapshot health = HealthCalculator.Compute(Alice(), Context());
        Assert.Equal(F("250"), health.InitHealth);            // 800 − 500 + 10 − 60
        Assert.Equal(F("315"), health.LiquidationEndHealth);  // 850 − 500 + 10 − 45
        Assert.Equal(F("380"), health.MaintHealth);           // 900 − 500 + 10 − 30
        Assert.Equal(F("1000"), health.CollateralValue);
        Assert.Equal(F("250"), health.FreeCollateral);
        Assert.False(health.IsLiquidatable);
        // Maint ratio: assets 900 + (10 − 30 is a liability of 20): (900 − 520) × 100 / 520.
        Assert.Equal(F("380").MulInt(100).DivRoundDown(F("520")), health.HealthRatio);
    }

    [Fact]
    public void Isolated_pools_are_valued_alone_and_never_borrow_the_cross_pool_collateral()
    {
        SubAccount isolated = new SubAccount("alice/iso")
            .WithBalance(UsdcOnEthereum, Units("20", 6))
            .WithPosition(new PerpPosition("SOL-PERP", F("10"), F("105"), Fixed.Zero)); // −50 PnL, maint 100
        AccountHealth health = HealthCalculator.Compute(new MarginAccount("alice", Alice(), [isolated]), Context());
        Assert.Equal(F("380"), health.Cross.MaintHealth);
        HealthSnapshot pool = Assert.Single(health.Isolated);
        Assert.Equal(F("-130"), pool.MaintHealth); // 20 − 50 − 100
        Assert.False(health.Cross.IsLiquidatable);
        Assert.True(health.AnyLiquidatable);
    }
}
