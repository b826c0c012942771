using System.Globalization;
using Clearing.Domain.Markets;
using Clearing.Domain.Numerics;

namespace Clearing.Domain.Tests.Peers;

/// <summary>
/// Drift's size premium against @drift-labs/sdk (tests/peers/drift-margin.js): calculateMarketMarginRatio and
/// calculateSizePremiumLiabilityWeight. Precision mapping: Drift's own integer units on both sides — size in
/// BASE_PRECISION (1e-9), IMF factor in 1e-6, ratios in MARGIN_PRECISION (1e-4) — so the results must be equal
/// integers. Our fixed-point ratio (18 decimals) from a 4-decimal base ratio and a 9-decimal size must be
/// exactly Drift's ratio / 10^4.
/// </summary>
[Trait("RealComponent", "true")]
public sealed class DriftMarginCrossCheckTests
{
    [Fact]
    public void Size_premium_margin_ratio_equals_drift_sdk()
    {
        var random = new Random(20_261_121);
        var cases = new List<(UInt128 Size, long Imf, long Initial, long Maintenance)>();
        for (var i = 0; i < 2000; i++)
        {
            // Sizes from dust to 10^9 whole units (1e18 in BASE_PRECISION), IMF up to 1.0 (1e6), ratios 1%..100%.
            UInt128 size = random.Next(4) switch
            {
                0 => (UInt128)random.NextInt64(0, 1_000),
                1 => (UInt128)random.NextInt64(0, 1_000_000_000_000),
                _ => (UInt128)random.NextInt64(0, 1_000_000_000_000_000_000),
            };
            var imf = random.Next(5) == 0 ? 0 : random.NextInt64(1, 1_000_001);
            var maintenance = random.NextInt64(100, 5_000);
            var initial = maintenance + random.NextInt64(0, 5_000);
            cases.Add((size, imf, initial, maintenance));
        }

        var results = NodePeers.Run("drift-margin.js", new
        {
            cases = cases.Select(c => new
            {
                size = c.Size.ToString(CultureInfo.InvariantCulture),
                imfFactor = c.Imf,
                marginRatioInitial = c.Initial,
                marginRatioMaintenance = c.Maintenance,
            }),
        })["results"]!.AsArray();

        Assert.Equal(cases.Count, results.Count);
        for (var i = 0; i < cases.Count; i++)
        {
            var (size, imf, initial, maintenance) = cases[i];
            var drift = results[i]!;
            var because = $"case {i}: size {size}, imf {imf}, ratios {initial}/{maintenance}";
            Assert.True((Int128)drift["initial"]!.GetValue<long>() == DriftMargin.MarketMarginRatio(initial, maintenance, imf, size, initial: true), because);
            Assert.True((Int128)drift["maintenance"]!.GetValue<long>() == DriftMargin.MarketMarginRatio(initial, maintenance, imf, size, initial: false), because);
            Assert.Equal(drift["sizePremiumInitial"]!.GetValue<string>(), DriftMargin.SizePremiumLiabilityWeight(size, imf, initial, DriftMargin.MarginPrecision).ToString());
            Assert.Equal(drift["sizePremiumMaintenance"]!.GetValue<string>(), DriftMargin.SizePremiumLiabilityWeight(size, imf, maintenance, DriftMargin.MarginPrecision).ToString());

            // Our fixed-point path: base ratio with 4 decimals and a size with 9 decimals convert exactly.
            var ourInitial = DriftMargin.RatioWithSizePremium(Fixed.FromScaled(initial, 4), imf, Fixed.FromScaled((Int128)size, 9));
            Assert.True(Fixed.FromScaled(drift["initial"]!.GetValue<long>(), 4) == ourInitial, because);
        }
    }
}
