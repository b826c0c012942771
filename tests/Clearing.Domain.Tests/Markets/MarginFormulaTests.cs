using Clearing.Domain.Markets;
using Clearing.Domain.Numerics;
using static Clearing.Domain.Tests.TestWorld;

namespace Clearing.Domain.Tests.Markets;

public sealed class MarginFormulaTests
{
    private static readonly MarginTiers Tiers = new(
    [
        new MarginTier(F("0"), F("0.02"), F("0.01")),
        new MarginTier(F("100000"), F("0.04"), F("0.02")),
        new MarginTier(F("500000"), F("0.1"), F("0.05")),
    ]);

    [Theory]
    // notional, initial requirement, maintenance requirement (hand-computed: deductions init 0/2000/32000, maint 0/1000/16000)
    [InlineData("50000", "1000", "500")]
    [InlineData("100000", "2000", "1000")]
    [InlineData("200000", "6000", "3000")]
    [InlineData("499999", "17999.96", "8999.98")]
    [InlineData("500000", "18000", "9000")]
    [InlineData("1000000", "68000", "34000")]
    public void Tier_requirement_is_notional_times_rate_minus_deduction_and_continuous(string notional, string initial, string maintenance)
    {
        Assert.Equal(F(initial), Tiers.Requirement(F(notional), initial: true));
        Assert.Equal(F(maintenance), Tiers.Requirement(F(notional), initial: false));
    }

    [Fact]
    public void Tier_deductions_follow_the_lower_bound_times_rate_step()
    {
        Assert.Equal(F("2000"), Tiers.Deduction(1, initial: true));
        Assert.Equal(F("32000"), Tiers.Deduction(2, initial: true));
        Assert.Equal(F("1000"), Tiers.Deduction(1, initial: false));
        Assert.Equal(F("16000"), Tiers.Deduction(2, initial: false));
    }

    [Theory]
    // |size| (1e9), imf (1e6), weight (1e4), expected: sqrt(size·10+1), numerator = w − w/5, denom = 1e7
    [InlineData("1000000000000", 1000, 1000, 1116)]   // sqrt(1e13+1)=3162277 → 800 + 316
    [InlineData("1000000000", 1000, 1000, 1000)]      // 800 + 10 < 1000
    [InlineData("1000000000000", 0, 1000, 1000)]      // IMF off
    [InlineData("100000000000000", 5000, 500, 16211)] // sqrt(1e15+1)=31622776 → 400 + 15811
    [InlineData("0", 1000, 1000, 1000)]
    public void Drift_size_premium_matches_the_sdk_integer_formula(string size, long imf, long weight, long expected) =>
        Assert.Equal((Int128)expected, DriftMargin.SizePremiumLiabilityWeight(UInt128.Parse(size), imf, weight, DriftMargin.MarginPrecision));

    [Theory]
    // init 1000 / maint 500 (1e4), imf 1000, |size| 1000 base units: sqrt term 3162277·1000/1e7 = 316
    [InlineData(true, 0, 1116)]    // 800 + 316
    [InlineData(true, 2000, 2000)] // the user's custom ratio binds
    [InlineData(false, 0, 716)]    // 400 + 316
    [InlineData(false, 5000, 716)] // custom applies to Initial only
    public void Drift_market_margin_ratio_applies_the_premium_per_category(bool initial, long custom, long expected) =>
        Assert.Equal((Int128)expected, DriftMargin.MarketMarginRatio(1000, 500, 1000, UInt128.Parse("1000000000000"), initial, custom));

    [Fact]
    public void Fixed_point_ratio_with_size_premium_converts_units_exactly()
    {
        Assert.Equal(F("0.1116"), DriftMargin.RatioWithSizePremium(F("0.1"), 1000, F("1000")));
        Assert.Equal(F("0.1"), DriftMargin.RatioWithSizePremium(F("0.1"), 1000, F("1")));
        Assert.Equal(F("0.12345"), DriftMargin.RatioWithSizePremium(F("0.12345"), 0, F("1000000")));
    }

    [Theory]
    // variance, horizon, k, fraction, base init, base maint, expected init ratio, expected maint ratio
    [InlineData("0.0004", "4", "3", "0.5", "0.1", "0.05", "0.12", "0.06")]
    [InlineData("0.0001", "1", "3", "0.5", "0.1", "0.05", "0.1", "0.05")]
    [InlineData("0", "24", "3", "0.5", "0.1", "0.05", "0.1", "0.05")]
    [InlineData("0.0009", "16", "2", "0.4", "0.05", "0.02", "0.24", "0.096")]
    public void Volatility_add_on_raises_ratios_to_k_sigma_root_horizon(string variance, string horizon, string k, string fraction, string init, string maint, string expectedInit, string expectedMaint)
    {
        var market = new PerpMarket("X-PERP", F(init), F(maint)) { Volatility = new VolatilityAddOn(F(k), F(horizon), F(fraction)) };
        Assert.Equal(F(expectedInit), PerpMargin.Ratio(market, F(variance), F("1"), initial: true));
        Assert.Equal(F(expectedMaint), PerpMargin.Ratio(market, F(variance), F("1"), initial: false));
    }

    [Theory]
    [InlineData("0", "100", "110", "0.94", "0.0006")]
    [InlineData("0.0006", "110", "99", "0.94", "0.001164")]
    [InlineData("0", "100", "103", "0.94", "0.000054")]
    [InlineData("0.0004", "100", "100", "0.9", "0.00036")]
    public void Ewma_variance_steps_by_lambda(string variance, string previous, string price, string lambda, string expected) =>
        Assert.Equal(F(expected), Ewma.NextVariance(F(variance), F(previous), F(price), F(lambda)));

    [Fact]
    public void Ewma_variance_of_a_series_folds_every_return() =>
        Assert.Equal(F("0.001164"), Ewma.Variance([F("100"), F("110"), F("99")], F("0.94"), Fixed.Zero));

    [Theory]
    [InlineData("101", "100", "0.01", "0.01")]
    [InlineData("100.5", "100", "0.01", "0.005")]
    [InlineData("103", "100", "0.01", "0.01")]
    [InlineData("97", "100", "0.01", "-0.01")]
    [InlineData("99.9", "100", "0.01", "-0.001")]
    [InlineData("100", "300", "1", "-0.666666666666666666")]
    [InlineData("200", "300", "1", "-0.333333333333333333")]
    public void Hourly_funding_rate_is_the_clamped_premium_rounded_toward_zero(string mark, string index, string cap, string expected) =>
        Assert.Equal(F(expected), Funding.HourlyRate(F(mark), F(index), F(cap)));

    [Theory]
    [InlineData("0", "0.001", "100", 1800, "0.05")]
    [InlineData("1.5", "-0.002", "50", 3600, "1.4")]
    [InlineData("0", "0.0001", "60000", 7200, "12")]
    [InlineData("0", "0.000000000123", "3000", 1, "0")]                        // 1.025e-10: below 10^-9, truncated
    [InlineData("1", "0.0000123", "3011.17", 7, "1.000072017")]                // 0.0000720171...: toward zero at 10^-9
    [InlineData("1", "-0.0000123", "3011.17", 7, "0.999927983")]               // −0.0000720171...: toward zero at 10^-9
    public void Funding_index_advances_by_rate_times_price_times_hours(string index, string rate, string price, long seconds, string expected) =>
        Assert.Equal(F(expected), Funding.AdvanceIndex(F(index), F(rate), F(price), seconds));

    [Theory]
    [InlineData("2", "0.05", "0", "0.1")]
    [InlineData("-2", "0.05", "0", "-0.1")]
    [InlineData("0.000000000000000001", "0.5", "0", "0.000000000000000001")] // long pays the rounding unit
    [InlineData("-0.000000000000000001", "0.5", "0", "0")]                   // short receives the lesser
    [InlineData("3", "1.2", "1.5", "-0.9")]
    public void Funding_owed_is_size_times_index_change_rounded_against_the_account(string size, string now, string last, string expected) =>
        Assert.Equal(F(expected), Funding.Owed(F(size), F(now), F(last)));
}
