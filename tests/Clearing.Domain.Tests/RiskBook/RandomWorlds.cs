using System.Collections.Immutable;
using Clearing.Domain.Accounts;
using Clearing.Domain.Assets;
using Clearing.Domain.Health;
using Clearing.Domain.Markets;
using Clearing.Domain.Numerics;

namespace Clearing.Domain.Tests.RiskBook;

/// <summary>Random but reproducible contexts and pools (every caller passes a fixed seed).</summary>
internal static class RandomWorlds
{
    public static readonly AssetKey Settlement = new(ChainId.Ethereum, "USDC");

    private static readonly (string Symbol, int Decimals, long Price)[] Assets =
        [("USDC", 6, 1), ("SOL", 9, 150), ("ETH", 18, 3000), ("BTC", 8, 60000)];

    private static readonly ChainId[] Chains = [ChainId.Ethereum, ChainId.Arbitrum, ChainId.Solana];

    private static readonly string[] Markets = ["BTC-PERP", "ETH-PERP", "SOL-PERP"];

    /// <summary>Random weights with 18 significant decimals, stale and uncertain prices, chain haircuts,
    /// tiers, IMF and volatility add-ons on some markets, funding indexes. With <paramref name="oraclePrecision"/>,
    /// prices, marks and confidences have at most 8 decimals (as oracles publish them), weights at most 4 and haircuts
    /// at most 3: the risk book's balance tables and lot kernel then apply, the paths the benchmark takes (funding
    /// indexes keep 18 decimals, as accrual gives them).</summary>
    public static RiskContext Context(Random random, bool oraclePrecision = false)
    {
        Fixed Round(Fixed value, int decimals) => oraclePrecision ? value.RoundTo(decimals, Rounding.Down) : value;

        const long now = 1_000_000;
        var collateral = ImmutableDictionary.CreateBuilder<AssetKey, CollateralParams>();
        foreach (var chain in Chains)
        {
            foreach (var (symbol, decimals, _) in Assets)
            {
                var key = new AssetKey(chain, symbol);
                if (key != Settlement && random.Next(4) == 0)
                {
                    continue;
                }

                var initAsset = Round(RandomFixed(random, "0.3", "0.95"), 4);
                var maintAsset = initAsset + Round(RandomFixed(random, "0", "0.05"), 4);
                var maintLiability = Round(RandomFixed(random, "1", "1.3"), 4);
                var initLiability = maintLiability + Round(RandomFixed(random, "0", "0.2"), 4);
                collateral.Add(key, new CollateralParams(key, decimals, initAsset, maintAsset, initLiability, maintLiability)
                {
                    MayGoNegative = key == Settlement,
                    DepositWeightScaleStart = random.Next(3) == 0 ? RandomFixed(random, "1000", "100000") : null,
                });
            }
        }

        var prices = ImmutableDictionary.CreateBuilder<string, PriceQuote>();
        foreach (var (symbol, _, price) in Assets)
        {
            var mid = Round(Fixed.FromInt(price).MulRoundDown(RandomFixed(random, "0.5", "1.5")), oraclePrecision ? random.Next(2, 9) : 18);
            prices.Add(symbol, new PriceQuote(mid, Round(mid.MulRoundDown(RandomFixed(random, "0", "0.03")), 8), now - random.Next(0, 120)));
        }

        var markets = ImmutableDictionary.CreateBuilder<string, PerpMarket>();
        var states = ImmutableDictionary.CreateBuilder<string, PerpMarketState>();
        foreach (var symbol in Markets)
        {
            var maintenance = RandomFixed(random, "0.02", "0.1");
            markets.Add(symbol, new PerpMarket(symbol, maintenance + RandomFixed(random, "0", "0.1"), maintenance)
            {
                ImfFactor = random.Next(2) == 0 ? 0 : random.Next(1, 5000),
                Tiers = random.Next(3) == 0
                    ? new MarginTiers([new MarginTier(Fixed.Zero, Fixed.Parse("0.1"), Fixed.Parse("0.05")), new MarginTier(Fixed.FromInt(100_000), Fixed.Parse("0.2"), Fixed.Parse("0.1"))])
                    : null,
                Volatility = random.Next(3) == 0 ? new VolatilityAddOn(Fixed.FromInt(3), Fixed.FromInt(24), Fixed.Parse("0.5")) : null,
            });
            var price = Round(Fixed.FromInt(Assets[Array.IndexOf(Markets, symbol) switch { 0 => 3, 1 => 2, _ => 1 }].Price).MulRoundDown(RandomFixed(random, "0.5", "1.5")), 8);
            states.Add(symbol, new PerpMarketState(
                new PriceQuote(price, Round(price.MulRoundDown(RandomFixed(random, "0", "0.02")), 8), now - random.Next(0, 120)),
                RandomFixed(random, "-50", "50"),
                RandomFixed(random, "0", "0.0004")));
        }

        var haircuts = ImmutableDictionary.CreateBuilder<ChainId, Fixed>();
        foreach (var chain in Chains)
        {
            if (random.Next(3) == 0)
            {
                haircuts.Add(chain, Round(RandomFixed(random, "0.5", "1"), 3));
            }
        }

        return new RiskContext(Settlement, now)
        {
            Collateral = collateral.ToImmutable(),
            Prices = prices.ToImmutable(),
            Markets = markets.ToImmutable(),
            MarketStates = states.ToImmutable(),
            ChainHaircuts = haircuts.ToImmutable(),
            PricePolicy = random.Next(2) == 0
                ? PricePolicy.Unguarded
                : new PricePolicy(60, Fixed.Parse("0.02"), Fixed.Parse("0.001"), Fixed.Parse("0.1")),
        };
    }

    /// <summary>A pool with up to <paramref name="maxBalances"/> balances (any sign for the settlement asset) and
    /// up to <paramref name="maxPositions"/> positions of either side, sizes with <paramref name="sizeDecimals"/> decimals
    /// (9: whole lots of 10^-9, as venues trade).</summary>
    public static SubAccount Pool(Random random, RiskContext context, string id, int maxBalances = 5, int maxPositions = 3, int sizeDecimals = 18)
    {
        var pool = new SubAccount(id);
        var keys = context.Collateral.Keys.OrderBy(k => k.ToString(), StringComparer.Ordinal).ToArray();
        for (var i = random.Next(maxBalances + 1); i > 0; i--)
        {
            var key = keys[random.Next(keys.Length)];
            var p = context.Collateral[key];
            var whole = random.Next(-20_000, 100_000);
            var units = (Int128)whole * Fixed.PowerOfTen(p.Decimals) / 1000 + random.Next(0, 1_000_000);
            pool = pool.WithBalance(key, p.MayGoNegative || random.Next(5) == 0 ? units : Int128.Abs(units));
        }

        var markets = context.Markets.Keys.OrderBy(s => s, StringComparer.Ordinal).ToArray();
        for (var i = random.Next(maxPositions + 1); i > 0; i--)
        {
            var market = markets[random.Next(markets.Length)];
            var size = RandomFixed(random, "-5", "5").RoundTo(sizeDecimals, Rounding.Down);
            var entry = context.MarketStates[market].Mark.Price.MulRoundDown(RandomFixed(random, "0.8", "1.2"));
            pool = pool.WithPosition(new PerpPosition(market, size, entry, RandomFixed(random, "-50", "50")));
        }

        return pool;
    }

    /// <summary>Uniform in [low, high] at full 18-decimal resolution.</summary>
    public static Fixed RandomFixed(Random random, string low, string high)
    {
        var lo = Fixed.Parse(low).Raw;
        var span = Fixed.Parse(high).Raw - lo;
        var draw = (Int128)random.NextInt64() * long.MaxValue + random.NextInt64();
        return Fixed.FromRaw(lo + (span == 0 ? 0 : draw % (span + 1)));
    }
}
