using Clearing.Domain.Health;
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
}
