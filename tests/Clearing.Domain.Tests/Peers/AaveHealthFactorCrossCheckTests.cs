using System.Collections.Immutable;
using System.Globalization;
using System.Numerics;
using Clearing.Domain.Accounts;
using Clearing.Domain.Assets;
using Clearing.Domain.Health;
using Clearing.Domain.Markets;
using Clearing.Domain.Numerics;

namespace Clearing.Domain.Tests.Peers;

/// <summary>
/// Threshold-style health factor against @aave/math-utils' calculateHealthFactorFromBalances
/// (tests/peers/aave-health-factor.js): collateral × liquidationThreshold / debt.
/// <para>
/// Mapping: Aave's liquidation threshold (basis points) is our maintenance asset weight (bps / 10^4), every
/// collateral asset of a case sharing it, and a debt's maintenance liability weight is 1. Aave's collateral is
/// our unweighted <see cref="HealthSnapshot.CollateralValue"/>, its debt our maintenance liabilities, and its
/// health factor our maintenance assets / liabilities. Amounts and prices have at most 6 decimals, so every
/// value is exact in our 18 decimals; bignumber.js divides to 20 decimals (half-up), ours to 18 (down):
/// 0 ≤ aave − ours ≤ 10^-18. The snapshot's health ratio (Mango's percent, (HF − 1) × 100, rounded down to 18
/// decimals) is checked against 100 × (aave − 1), whose half-up rounding at 20 decimals is worth ±0.5·10^-18
/// after the × 100: −0.5·10^-18 ≤ 100 × (aave − 1) − ratio ≤ 1.5·10^-18.
/// </para>
/// </summary>
[Trait("RealComponent", "true")]
public sealed class AaveHealthFactorCrossCheckTests
{
    [Fact]
    public void Maintenance_assets_over_liabilities_equal_aave_health_factor_up_to_our_last_unit()
    {
        var random = new Random(31_337);
        var settlement = new AssetKey(ChainId.Ethereum, "USDC");
        var cases = new List<(HealthSnapshot Ours, long ThresholdBps)>();
        for (var i = 0; i < 1000; i++)
        {
            var thresholdBps = random.NextInt64(1, 10_001);
            var weight = Fixed.FromScaled(thresholdBps, 4);
            var collateral = ImmutableDictionary.CreateBuilder<AssetKey, CollateralParams>();
            var prices = ImmutableDictionary.CreateBuilder<string, PriceQuote>();
            collateral.Add(settlement, new CollateralParams(settlement, 6, weight, weight, Fixed.One, Fixed.One) { MayGoNegative = true });
            prices.Add("USDC", PriceQuote.Exact(Fixed.One));
            var pool = new SubAccount("p").WithBalance(settlement, -random.NextInt64(1, 10_000_000_000_000));
            foreach (var (symbol, decimals) in new[] { ("SOL", 9), ("ETH", 18), ("BTC", 8) }.Take(random.Next(1, 4)))
            {
                var key = new AssetKey(ChainId.Arbitrum, symbol);
                collateral.Add(key, new CollateralParams(key, decimals, weight, weight, Fixed.One, Fixed.One));
                prices.Add(symbol, PriceQuote.Exact(Fixed.FromScaled(random.NextInt64(1, 100_000_000_000), 6)));
                // Whole tokens with up to 6 decimals.
                pool = pool.WithBalance(key, random.NextInt64(1, 10_000_000_000) * Fixed.PowerOfTen(decimals - 6));
            }

            var context = new RiskContext(settlement, 0) { Collateral = collateral.ToImmutable(), Prices = prices.ToImmutable() };
            cases.Add((HealthCalculator.Compute(pool, context), thresholdBps));
        }

        var results = NodePeers.Run("aave-health-factor.js", new
        {
            cases = cases.Select(c => new
            {
                collateral = c.Ours.CollateralValue.ToString(),
                borrow = c.Ours.MaintComponents.Liabilities.ToString(),
                liquidationThreshold = c.ThresholdBps,
            }),
        })["results"]!.AsArray();

        for (var i = 0; i < cases.Count; i++)
        {
            var ours = cases[i].Ours;
            var aave = ToHundredthsOfOurUnit(results[i]!.GetValue<string>());
            var healthFactor = ours.MaintComponents.Assets.DivRoundDown(ours.MaintComponents.Liabilities);
            var difference = aave - ((BigInteger)healthFactor.Raw * 100);
            Assert.True(difference >= 0 && difference <= 100, $"case {i}: ours {healthFactor}, aave {results[i]}");

            // Mango's ratio in percent, as the snapshot reports it: (HF − 1) × 100.
            // In units of 10^-20: 100 × (aave − 1) against the ratio.
            var ratioDifference = ((aave - ((BigInteger)Fixed.One.Raw * 100)) * 100) - ((BigInteger)ours.HealthRatio!.Value.Raw * 100);
            Assert.True(ratioDifference >= -50 && ratioDifference <= 150, $"case {i}: ratio {ours.HealthRatio}, aave HF {results[i]}");
        }
    }

    /// <summary>A decimal string with up to 20 fraction digits as an integer in units of 10^-20.</summary>
    private static BigInteger ToHundredthsOfOurUnit(string text)
    {
        var point = text.IndexOf('.', StringComparison.Ordinal);
        var integer = point < 0 ? text : text[..point];
        var fraction = point < 0 ? "" : text[(point + 1)..];
        Assert.True(fraction.Length <= 20, $"aave returned more than 20 decimals: {text}");
        return BigInteger.Parse(integer + fraction.PadRight(20, '0'), CultureInfo.InvariantCulture);
    }
}
