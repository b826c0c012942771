using Clearing.Domain.Assets;
using Clearing.Domain.Markets;
using Clearing.Domain.Numerics;
using static Clearing.Domain.Tests.TestWorld;

namespace Clearing.Domain.Tests.Markets;

public sealed class CollateralAndPriceTests
{
    private static readonly CollateralParams Sol = new(SolOnSolana, 9, F("0.8"), F("0.9"), F("1.2"), F("1.1"));

    [Theory]
    // units (SOL), price, confidence, type, expected contribution: assets at price − conf, debts at price + conf
    [InlineData("10", "100", "0", HealthType.Init, "800")]
    [InlineData("10", "100", "0", HealthType.LiquidationEnd, "850")]
    [InlineData("10", "100", "0", HealthType.Maint, "900")]
    [InlineData("10", "100", "1", HealthType.Maint, "891")]
    [InlineData("-10", "100", "1", HealthType.Maint, "-1111")]
    [InlineData("-10", "100", "1", HealthType.Init, "-1212")]
    [InlineData("-10", "100", "0", HealthType.LiquidationEnd, "-1150")]
    [InlineData("0.000000001", "0.5", "0", HealthType.Maint, "0.00000000045")]
    public void Balance_contribution_values_assets_low_and_debts_high(string amount, string price, string confidence, HealthType type, string expected)
    {
        var adjusted = PricePolicy.Unguarded.Adjust(new PriceQuote(F(price), F(confidence), 0), 0);
        Assert.Equal(F(expected), CollateralParams.Contribution(Units(amount, 9), Sol, adjusted, type, Fixed.One));
    }

    [Theory]
    // deposit scaling (Mango): init weight × start / value above the start, i.e. the contribution caps at weight × start
    [InlineData("500", HealthType.Init, "400")]
    [InlineData("2000", HealthType.Init, "800")]
    [InlineData("1000", HealthType.Init, "800")]
    [InlineData("500", HealthType.Maint, "900")]
    public void Deposit_weight_scaling_caps_the_initial_contribution_above_the_threshold(string start, HealthType type, string expected)
    {
        CollateralParams scaled = Sol with { DepositWeightScaleStart = F(start) };
        Assert.Equal(F(expected), CollateralParams.Contribution(Units("10", 9), scaled, AdjustedPrice.Exact(F("100")), type, Fixed.One));
    }

    [Theory]
    [InlineData("0.9", "10", HealthType.Maint, "810")]
    [InlineData("0.5", "10", HealthType.Init, "400")]
    [InlineData("0.5", "-10", HealthType.Maint, "-1100")] // a debt is never discounted by a chain haircut
    public void Chain_haircut_multiplies_asset_weights_only(string haircut, string amount, HealthType type, string expected) =>
        Assert.Equal(F(expected), CollateralParams.Contribution(Units(amount, 9), Sol, AdjustedPrice.Exact(F("100")), type, F(haircut)));

    [Theory]
    [InlineData(30, 0, "1")]
    [InlineData(0, 160, "0.9")]
    [InlineData(550, 10, "0.51")]
    [InlineData(600, 0, "0.5")]
    [InlineData(-5, -5, "1")]
    public void Chain_haircut_falls_with_the_worse_lag_down_to_the_floor(long stall, long rpcLag, string expected)
    {
        var policy = new ChainHaircutPolicy(ToleratedSeconds: 60, HaircutPerSecond: F("0.001"), HaltSeconds: 600, Floor: F("0.5"));
        Assert.Equal(F(expected), policy.Multiplier(new ChainCondition(stall, rpcLag)));
    }

    [Theory]
    // publish 1000, price 100, max age 60 s, max confidence 2 %, widening 0.1 %/s up to 10 %
    [InlineData("1", 1030, PriceStatus.Fresh, "99", "101")]
    [InlineData("1", 1060, PriceStatus.Fresh, "99", "101")]
    [InlineData("1", 1070, PriceStatus.Stale, "98", "102")]
    [InlineData("1", 2000, PriceStatus.Stale, "89", "111")]
    [InlineData("3", 1000, PriceStatus.Uncertain, "97", "103")]
    [InlineData("1", 900, PriceStatus.Fresh, "99", "101")] // published "in the future": age 0
    public void Price_policy_marks_stale_and_uncertain_prices_and_widens_stale_bands(string confidence, long now, PriceStatus status, string low, string high)
    {
        var policy = new PricePolicy(MaxAgeSeconds: 60, MaxConfidenceRatio: F("0.02"), StaleWideningPerSecond: F("0.001"), MaxStaleWidening: F("0.1"));
        AdjustedPrice adjusted = policy.Adjust(new PriceQuote(F("100"), F(confidence), 1000), now);
        Assert.Equal(status, adjusted.Status);
        Assert.Equal(F(low), adjusted.Low);
        Assert.Equal(F(high), adjusted.High);
        Assert.Equal(status == PriceStatus.Fresh, adjusted.AllowsNewRisk);
    }

    [Fact]
    public void A_stale_price_gives_no_initial_value_but_a_widened_maintenance_value()
    {
        var policy = new PricePolicy(60, F("0.02"), F("0.001"), F("0.1"));
        AdjustedPrice stale = policy.Adjust(new PriceQuote(F("100"), F("1"), 1000), 1070);
        Assert.Equal(Fixed.Zero, CollateralParams.Contribution(Units("10", 9), Sol, stale, HealthType.Init, Fixed.One));
        Assert.Equal(F("882"), CollateralParams.Contribution(Units("10", 9), Sol, stale, HealthType.Maint, Fixed.One)); // 10 × 98 × 0.9
        Assert.Equal(F("-1224"), CollateralParams.Contribution(Units("-10", 9), Sol, stale, HealthType.Init, Fixed.One)); // debts still count, at 102
    }

    [Fact]
    public void Weights_out_of_order_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => new CollateralParams(SolOnSolana, 9, F("0.95"), F("0.9"), F("1.2"), F("1.1")));
        Assert.Throws<ArgumentException>(() => new CollateralParams(SolOnSolana, 9, F("0.8"), F("0.9"), F("1.0"), F("1.1")));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CollateralParams(SolOnSolana, 19, F("0.8"), F("0.9"), F("1.2"), F("1.1")));
    }

    [Fact]
    public void Chain_ids_are_validated_and_compared_by_name()
    {
        Assert.Equal(ChainId.Solana, new ChainId("solana"));
        Assert.Throws<ArgumentException>(() => new ChainId("Solana"));
        Assert.Throws<ArgumentException>(() => new ChainId("eth mainnet"));
        Assert.Equal("arbitrum:ETH", EthOnArbitrum.ToString());
    }
}
