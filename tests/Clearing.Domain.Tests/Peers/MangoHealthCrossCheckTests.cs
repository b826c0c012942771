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
/// Health of token-only portfolios against @blockworks-foundation/mango-v4's HealthCache (tests/peers/mango-health.js).
/// <para>
/// Precision mapping. Ours: USD as <see cref="Fixed"/>, 10^-18 per unit, every rounding toward −∞ (against the
/// account). Mango: I80F48, 2^-48 per unit, truncation in each multiplication. The cases are drawn so that
/// Mango computes exactly: weights are multiples of 1/16 (liquidation-end ones of 1/32) and the price per
/// native unit is m / 2^j with j ≤ 40, so weight × price needs at most 45 fractional bits and balance × that
/// is an exact product. The same price per whole token, m × 10^decimals / 2^j, is exact in our 18 decimals
/// (j ≤ decimals + 18). So Mango's figure is the exact health, and ours must equal it up to our own roundings:
/// 0 ≤ mango − ours ≤ 2 units of 10^-18 per balance (one for units × price / 10^decimals, one for × weight) —
/// "the same up to the last unit of our precision", and never above (rounding favours the clearing house).
/// </para>
/// <para>
/// Mango's liquidation-end health uses the init weights unscaled, ours the midpoint of init and maint weights;
/// so our liquidation-end health is checked against Mango's init health of the same portfolio with the
/// midpoint weights as its init weights. Mango's init health also takes min/max with a stable price, set
/// equal to the oracle price here (Clearing has no stable-price model).
/// </para>
/// </summary>
[Trait("RealComponent", "true")]
public sealed class MangoHealthCrossCheckTests
{
    private const int Cases = 400;
    private static readonly BigInteger MangoOne = BigInteger.One << 48;
    private static readonly BigInteger OurOne = BigInteger.Pow(10, 18);

    [Fact]
    public void Token_only_health_equals_mango_health_cache_up_to_our_last_unit()
    {
        var portfolios = new List<(RiskContext Context, SubAccount Pool)>();
        var mangoCases = new List<object>();
        for (var seed = 0; seed < Cases; seed++)
        {
            var (context, pool, tokens, liquidationEndTokens) = RandomTokenPortfolio(new Random(9_100_000 + seed));
            portfolios.Add((context, pool));
            mangoCases.Add(new { tokens });
            mangoCases.Add(new { tokens = liquidationEndTokens });
        }

        var results = NodePeers.Run("mango-health.js", new { cases = mangoCases })["results"]!.AsArray();

        Assert.Equal(2 * Cases, results.Count);
        var exactMatches = 0;
        for (var i = 0; i < Cases; i++)
        {
            var (context, pool) = portfolios[i];
            var ours = HealthCalculator.Compute(pool, context);
            var tolerance = 2 * pool.Balances.Length;
            var init = Compare(ours.InitHealth, results[2 * i]!["init"]!.GetValue<string>(), tolerance, $"case {i} init");
            Compare(ours.MaintHealth, results[2 * i]!["maint"]!.GetValue<string>(), tolerance, $"case {i} maint");
            Compare(ours.LiquidationEndHealth, results[(2 * i) + 1]!["init"]!.GetValue<string>(), tolerance, $"case {i} liquidation-end");
            exactMatches += init == 0 ? 1 : 0;
        }

        // Most draws have prices with few fractional bits, where both sides are exact and must agree to the unit.
        Assert.True(exactMatches > Cases / 4, $"only {exactMatches} of {Cases} init healths matched exactly");
    }

    /// <summary>Returns mango − ours in units of 10^-18 (scaled from 2^-48 exactly) after asserting it is within [0, tolerance].</summary>
    private static BigInteger Compare(Fixed ours, string mangoRaw, int tolerance, string what)
    {
        // mango = raw / 2^48 USD; difference in units of 2^-48 · 10^-18, exact.
        var difference = (BigInteger.Parse(mangoRaw, CultureInfo.InvariantCulture) * OurOne) - ((BigInteger)ours.Raw * MangoOne);
        Assert.True(
            difference >= 0 && difference <= tolerance * MangoOne,
            $"{what}: ours {ours}, mango {mangoRaw}/2^48, difference {difference}/2^48 units of 1e-18 (allowed 0..{tolerance})");
        return difference;
    }

    private static (RiskContext, SubAccount, List<object>, List<object>) RandomTokenPortfolio(Random random)
    {
        int[] decimalsChoices = [0, 6, 8, 9];
        string[] symbols = ["USDC", "SOL", "BTC", "ETH", "JUP", "WIF"];
        var settlement = new AssetKey(ChainId.Ethereum, "USDC");
        var collateral = ImmutableDictionary.CreateBuilder<AssetKey, CollateralParams>();
        var prices = ImmutableDictionary.CreateBuilder<string, PriceQuote>();
        var pool = new SubAccount("p");
        var tokens = new List<object>();
        var liquidationEndTokens = new List<object>();
        var count = random.Next(1, symbols.Length + 1);
        for (var t = 0; t < count; t++)
        {
            var key = t == 0 ? settlement : new AssetKey(ChainId.Solana, symbols[t]);
            var decimals = decimalsChoices[random.Next(decimalsChoices.Length)];
            // Price per native unit m / 2^j; per whole token m × 10^decimals / 2^j (exact in 18 decimals).
            var j = random.Next(3) == 0 ? random.Next(decimals, decimals + 19) : random.Next(decimals, decimals + 5);
            j = Math.Min(j, 40);
            var m = random.NextInt64(1, 1 << 20);
            var priceRaw = (BigInteger)m * BigInteger.Pow(10, decimals + 18) / BigInteger.Pow(2, j);
            var price = Fixed.FromRaw((Int128)priceRaw);

            var initAsset = random.Next(0, 17);
            var maintAsset = random.Next(initAsset, 17);
            var maintLiability = random.Next(0, 9);
            var initLiability = random.Next(maintLiability, 9);
            var parameters = new CollateralParams(key, decimals, Sixteenths(initAsset), Sixteenths(maintAsset), Sixteenths(16 + initLiability), Sixteenths(16 + maintLiability))
            {
                MayGoNegative = true,
            };
            collateral.Add(key, parameters);
            prices.Add(key.Asset, PriceQuote.Exact(price));

            Int128 units = random.NextInt64(-(1L << 40), 1L << 40);
            pool = pool.WithBalance(key, units);
            var nativePrice = Dyadic(m, j);
            tokens.Add(MangoToken(nativePrice, units, parameters, HealthType.Init));
            liquidationEndTokens.Add(MangoToken(nativePrice, units, parameters, HealthType.LiquidationEnd));
        }

        var context = new RiskContext(settlement, 0) { Collateral = collateral.ToImmutable(), Prices = prices.ToImmutable() };
        return (context, pool, tokens, liquidationEndTokens);
    }

    private static object MangoToken(string nativePrice, Int128 units, CollateralParams p, HealthType initWeightsFrom) => new
    {
        price = nativePrice,
        balance = units.ToString(CultureInfo.InvariantCulture),
        initAssetWeight = p.AssetWeight(initWeightsFrom).ToString(),
        maintAssetWeight = p.MaintAssetWeight.ToString(),
        initLiabWeight = p.LiabilityWeight(initWeightsFrom).ToString(),
        maintLiabWeight = p.MaintLiabilityWeight.ToString(),
    };

    private static Fixed Sixteenths(int n) => Fixed.FromRatio(n, 16, Rounding.Down);

    /// <summary>m / 2^j as an exact decimal string (a dyadic fraction always has a finite decimal expansion).</summary>
    private static string Dyadic(long m, int j)
    {
        var scaled = (BigInteger)m * BigInteger.Pow(5, j); // m / 2^j = m·5^j / 10^j
        var digits = scaled.ToString(CultureInfo.InvariantCulture).PadLeft(j + 1, '0');
        return j == 0 ? digits : $"{digits[..^j]}.{digits[^j..]}";
    }
}
