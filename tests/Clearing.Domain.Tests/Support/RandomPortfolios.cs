using System.Collections.Immutable;
using Clearing.Domain.Accounts;
using Clearing.Domain.Assets;
using Clearing.Domain.Health;
using Clearing.Domain.Liquidation;
using Clearing.Domain.Markets;
using Clearing.Domain.Numerics;

namespace Clearing.Domain.Tests.Support;

/// <summary>Deterministic random worlds (System.Random with a fixed seed) for the property tests.</summary>
internal sealed class RandomPortfolios(int seed)
{
    public static readonly AssetKey Settlement = new(ChainId.Ethereum, "USDC");

    private static readonly (AssetKey Key, int Decimals, long MinPrice, long MaxPrice)[] Collaterals =
    [
        (new AssetKey(ChainId.Solana, "USDC"), 6, 1, 1),
        (new AssetKey(ChainId.Solana, "SOL"), 9, 10, 300),
        (new AssetKey(ChainId.Arbitrum, "ETH"), 18, 1000, 5000),
        (new AssetKey(ChainId.Ethereum, "ETH"), 18, 1000, 5000),
        (new AssetKey(ChainId.Ethereum, "WBTC"), 8, 20000, 100000),
    ];

    private static readonly string[] MarketSymbols = ["BTC-PERP", "ETH-PERP", "SOL-PERP"];

    public Random Random { get; } = new(seed);

    public IReadOnlyList<AssetKey> CollateralKeys { get; } = Collaterals.Select(c => c.Key).ToList();

    /// <summary>A decimal with up to <paramref name="decimals"/> fraction digits in [min, max].</summary>
    public Fixed Decimal(long min, long max, int decimals)
    {
        long whole = Random.NextInt64(min, max + 1);
        long fraction = decimals == 0 || whole == max ? 0 : Random.NextInt64(0, (long)Math.Pow(10, decimals));
        return Fixed.FromInt(whole) + Fixed.FromScaled(fraction, decimals);
    }

    /// <summary>A value in [0, 1) with <paramref name="decimals"/> fraction digits.</summary>
    public Fixed Fraction(int decimals) => Fixed.FromScaled(Random.NextInt64(0, (long)Math.Pow(10, decimals)), decimals);

    /// <param name="extras">Whether markets get tiers, the Drift size premium and volatility add-ons (the
    /// exact reference covers base ratios and tiers only).</param>
    public RiskContext Context(bool extras)
    {
        var collateral = ImmutableDictionary.CreateBuilder<AssetKey, CollateralParams>();
        var prices = ImmutableDictionary.CreateBuilder<string, PriceQuote>();
        collateral[Settlement] = new CollateralParams(Settlement, 6, Fixed.One, Fixed.One, Fixed.One, Fixed.One) { MayGoNegative = true };
        foreach ((AssetKey key, int decimals, long minPrice, long maxPrice) in Collaterals)
        {
            Fixed maintAsset = Fixed.Parse("0.5") + Fraction(3).MulRoundDown(Fixed.Parse("0.5"));
            Fixed initAsset = maintAsset - Fraction(2).MulRoundDown(Fixed.Parse("0.2"));
            Fixed maintLiab = Fixed.One + Fraction(3).MulRoundDown(Fixed.Parse("0.3"));
            Fixed initLiab = maintLiab + Fraction(2).MulRoundDown(Fixed.Parse("0.2"));
            collateral[key] = new CollateralParams(key, decimals, initAsset, maintAsset, initLiab, maintLiab)
            {
                DepositWeightScaleStart = Random.Next(4) == 0 ? Decimal(1000, 100000, 2) : null,
            };
            if (!prices.ContainsKey(key.Asset))
            {
                Fixed price = minPrice == maxPrice ? Fixed.FromInt(minPrice) : Decimal(minPrice, maxPrice, 6);
                Fixed confidence = price.MulRoundDown(Fraction(4).MulRoundDown(Fixed.Parse("0.005")));
                prices[key.Asset] = new PriceQuote(price, confidence, 0);
            }
        }

        var markets = ImmutableDictionary.CreateBuilder<string, PerpMarket>();
        var states = ImmutableDictionary.CreateBuilder<string, PerpMarketState>();
        foreach (string symbol in MarketSymbols)
        {
            Fixed maint = Decimal(1, 10, 0).MulRoundDown(Fixed.Parse("0.01"));
            Fixed init = maint.MulInt(2);
            var market = new PerpMarket(symbol, init, maint);
            if (Random.Next(3) == 0)
            {
                market = market with
                {
                    Tiers = new MarginTiers(
                    [
                        new MarginTier(Fixed.Zero, init, maint),
                        new MarginTier(Decimal(10000, 50000, 0), init.MulInt(2), maint.MulInt(2)),
                    ]),
                };
            }

            if (extras && Random.Next(3) == 0)
            {
                market = market with { ImfFactor = Random.Next(100, 5000) };
            }

            if (extras && Random.Next(3) == 0)
            {
                market = market with { Volatility = new VolatilityAddOn(Fixed.FromInt(3), Fixed.FromInt(Random.Next(1, 25)), Fixed.Parse("0.5")) };
            }

            string asset = symbol[..symbol.IndexOf('-', StringComparison.Ordinal)];
            Fixed mark = asset == "BTC" ? Decimal(20000, 100000, 2) : asset == "ETH" ? Decimal(1000, 5000, 2) : Decimal(10, 300, 4);
            Fixed confidence = mark.MulRoundDown(Fraction(4).MulRoundDown(Fixed.Parse("0.003")));
            Fixed fundingIndex = Decimal(0, 50, 6) - Fixed.FromInt(25);
            Fixed variance = Fraction(6).MulRoundDown(Fixed.Parse("0.001"));
            markets[symbol] = market;
            states[symbol] = new PerpMarketState(new PriceQuote(mark, confidence, 0), fundingIndex, variance);
        }

        return new RiskContext(Settlement, now: 0)
        {
            Collateral = collateral.ToImmutable(),
            Prices = prices.ToImmutable(),
            Markets = markets.ToImmutable(),
            MarketStates = states.ToImmutable(),
            ChainHaircuts = Random.Next(4) == 0
                ? ImmutableDictionary<ChainId, Fixed>.Empty.Add(ChainId.Solana, Fraction(2).MulRoundDown(Fixed.Parse("0.5")) + Fixed.Parse("0.5"))
                : ImmutableDictionary<ChainId, Fixed>.Empty,
        };
    }

    /// <summary>A pool with a few collateral balances, a settlement balance of either sign and 0..3 positions.</summary>
    public SubAccount Pool(RiskContext context, string id = "acct")
    {
        SubAccount pool = new(id);
        foreach (AssetKey key in CollateralKeys)
        {
            if (Random.Next(2) == 0)
            {
                continue;
            }

            CollateralParams p = context.CollateralFor(key);
            Fixed price = context.Prices[key.Asset].Price;
            Fixed usd = Decimal(1, 20000, 2);
            pool = pool.WithBalance(key, TokenAmounts.UnitsForValue(usd, price, p.Decimals, Rounding.Down) + Random.Next(0, 1000));
        }

        pool = pool.WithBalance(Settlement, TokenAmounts.ParseUnits(Decimal(-20000, 5000, 6).ToString(), 6));
        foreach (string market in context.Markets.Keys.OrderBy(k => k, StringComparer.Ordinal))
        {
            if (Random.Next(2) == 0)
            {
                continue;
            }

            PerpMarketState state = context.MarketStates[market];
            Fixed notional = Decimal(100, 60000, 2);
            Fixed size = notional.DivRoundDown(state.Mark.Price).RoundTo(6, Rounding.Down);
            if (size.IsZero)
            {
                continue;
            }

            if (Random.Next(2) == 0)
            {
                size = -size;
            }

            Fixed entry = state.Mark.Price.MulRoundDown(Decimal(70, 130, 2).MulRoundDown(Fixed.Parse("0.01")));
            Fixed lastFunding = state.CumulativeFundingIndex - Decimal(0, 2, 6);
            pool = pool.WithPosition(new PerpPosition(market, size, entry, lastFunding));
        }

        return pool;
    }

    public LiquidationConfig Config() => new(
        buffer: Decimal(0, 50, 2),
        positionPenalty: Fraction(4).MulRoundDown(Fixed.Parse("0.02")),
        collateralPenalty: Fraction(4).MulRoundDown(Fixed.Parse("0.05")),
        liquidatorShare: Fraction(2).MulRoundDown(Fixed.Parse("0.99")),
        policy: (CollateralPolicy)Random.Next(3),
        dustValue: Decimal(0, 10, 2))
    {
        ChainCosts = ImmutableDictionary<ChainId, Fixed>.Empty
            .Add(ChainId.Ethereum, Decimal(1, 50, 2))
            .Add(ChainId.Arbitrum, Decimal(0, 5, 2))
            .Add(ChainId.Solana, Decimal(0, 1, 3)),
    };

    public IReadOnlyList<AdlCandidate> AdlCandidates(RiskContext context)
    {
        var candidates = new List<AdlCandidate>();
        int count = Random.Next(0, 8);
        for (int i = 0; i < count; i++)
        {
            string market = context.Markets.Keys.OrderBy(k => k, StringComparer.Ordinal).ElementAt(Random.Next(context.Markets.Count));
            Fixed mark = context.MarketStates[market].Mark.Price;
            Fixed size = Decimal(1, 10000, 2).DivRoundDown(mark).RoundTo(6, Rounding.Down) + Fixed.Parse("0.000001");
            if (Random.Next(2) == 0)
            {
                size = -size;
            }

            Fixed entry = mark.MulRoundDown(Decimal(70, 130, 2).MulRoundDown(Fixed.Parse("0.01")));
            candidates.Add(new AdlCandidate($"peer{i}", market, size, entry, Decimal(1, 100000, 2)));
        }

        return candidates;
    }

    /// <summary>A liquidatable pool (maintenance health &lt; 0), drawing until one appears.</summary>
    public (RiskContext Context, SubAccount Pool) LiquidatablePool(bool extras)
    {
        while (true)
        {
            RiskContext context = Context(extras);
            SubAccount pool = Pool(context);
            if (HealthCalculator.Compute(pool, context).IsLiquidatable)
            {
                return (context, pool);
            }
        }
    }
}
