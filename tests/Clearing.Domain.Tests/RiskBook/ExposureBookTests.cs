using Clearing.Domain.Accounts;
using Clearing.Domain.Health;
using Clearing.Domain.Markets;
using Clearing.Domain.Numerics;
using Clearing.Domain.RiskBook;
using static Clearing.Domain.Tests.TestWorld;

namespace Clearing.Domain.Tests.RiskBook;

public sealed class ExposureBookTests
{
    [Fact]
    public void Issue_example_pool_has_the_calculator_health()
    {
        var book = new ExposureBook(Context());

        book.Upsert("alice", Alice());

        Assert.True(book.TryGetHealth("alice", out var health));
        Assert.Equal(new PoolHealth(F("250"), F("315"), F("380")), health);
        Assert.Equal(0, book.LiquidatableCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Random_books_give_the_same_health_as_the_per_account_computation(bool oraclePrecision)
    {
        for (var seed = 0; seed < 300; seed++)
        {
            var random = new Random(4_200_000 + seed);
            var context = RandomWorlds.Context(random, oraclePrecision);
            var book = new ExposureBook(context, maxBalancesPerPool: 5, maxPositionsPerPool: 3, expectedPools: 4);
            var pools = Enumerable.Range(0, 20).Select(i => RandomWorlds.Pool(random, context, $"pool{i}", sizeDecimals: oraclePrecision ? 9 : 18)).ToArray();
            foreach (var pool in pools)
            {
                book.Upsert(pool.Id, pool);
            }

            AssertBookMatchesCalculator(book, pools, $"seed {seed}");
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Price_ticks_reevaluate_exactly_the_exposed_pools_and_keep_every_health_exact(bool oraclePrecision)
    {
        for (var seed = 0; seed < 100; seed++)
        {
            var random = new Random(5_300_000 + seed);
            var context = RandomWorlds.Context(random, oraclePrecision);
            var book = new ExposureBook(context, maxBalancesPerPool: 5, maxPositionsPerPool: 3);
            var pools = Enumerable.Range(0, 30).Select(i => RandomWorlds.Pool(random, context, $"pool{i}", sizeDecimals: oraclePrecision ? 9 : 18)).ToArray();
            foreach (var pool in pools)
            {
                book.Upsert(pool.Id, pool);
            }

            for (var tick = 0; tick < 10; tick++)
            {
                switch (random.Next(3))
                {
                    case 0:
                        var asset = new[] { "USDC", "SOL", "ETH", "BTC" }[random.Next(4)];
                        var old = book.Context.Prices[asset];
                        var moved = old.Price.MulRoundDown(RandomWorlds.RandomFixed(random, "0.5", "1.5"));
                        var quote = old with { Price = oraclePrecision ? Fixed.Max(Fixed.Parse("0.01"), moved.RoundTo(4, Rounding.Down)) : moved };
                        var evaluated = book.OnPrice(asset, quote);
                        Assert.Equal(pools.Count(p => p.Balances.Any(b => b.Key.Asset == asset && b.Units != 0)), evaluated);
                        break;
                    case 1:
                        var market = new[] { "BTC-PERP", "ETH-PERP", "SOL-PERP" }[random.Next(3)];
                        var state = book.Context.MarketStates[market];
                        var markPrice = state.Mark.Price.MulRoundDown(RandomWorlds.RandomFixed(random, "0.5", "1.5"));
                        var shifted = state with { Mark = state.Mark with { Price = oraclePrecision ? Fixed.Max(Fixed.Parse("0.01"), markPrice.RoundTo(8, Rounding.Down)) : markPrice } };
                        Assert.Equal(pools.Count(p => p.Positions.Any(x => x.Market == market)), book.OnMarketState(market, shifted));
                        break;
                    default:
                        var chain = new[] { RandomWorlds.Settlement.Chain, Assets.ChainId.Arbitrum, Assets.ChainId.Solana }[random.Next(3)];
                        Assert.Equal(
                            pools.Count(p => p.Balances.Any(b => b.Key.Chain == chain && b.Units != 0)),
                            book.OnChainHaircut(chain, oraclePrecision ? RandomWorlds.RandomFixed(random, "0.5", "1").RoundTo(3, Rounding.Down) : RandomWorlds.RandomFixed(random, "0.5", "1")));
                        break;
                }

                AssertBookMatchesCalculator(book, pools, $"seed {seed} tick {tick}");
            }
        }
    }

    [Fact]
    public void Replacing_and_removing_pools_keeps_the_exposure_index_consistent()
    {
        var random = new Random(77);
        var context = RandomWorlds.Context(random);
        var book = new ExposureBook(context, maxBalancesPerPool: 5, maxPositionsPerPool: 3, expectedPools: 2);
        var live = new Dictionary<string, SubAccount>();
        for (var step = 0; step < 2000; step++)
        {
            var key = $"pool{random.Next(40)}";
            if (random.Next(4) == 0)
            {
                Assert.Equal(live.Remove(key), book.Remove(key));
            }
            else
            {
                live[key] = RandomWorlds.Pool(random, context, key);
                book.Upsert(key, live[key]);
            }
        }

        var evaluated = book.OnPrice("SOL", book.Context.Prices["SOL"] with { Price = F("1") });
        Assert.Equal(live.Values.Count(p => p.Balances.Any(b => b.Key.Asset == "SOL")), evaluated);
        Assert.Equal(live.Count, book.PoolCount);
        AssertBookMatchesCalculator(book, [.. live.Values], "after churn");
    }

    [Fact]
    public void A_price_drop_makes_the_exposed_pool_liquidatable_and_listed()
    {
        var book = new ExposureBook(Context());
        book.Upsert("alice", Alice());
        book.Upsert("bob", new SubAccount("bob").WithBalance(UsdcOnEthereum, Units("100", 6)));

        // SOL at 50: maint = 10 × 50 × 0.9 − 500 + 10 − 30 = −70.
        book.OnPrice("SOL", PriceQuote.Exact(F("50")));

        Assert.Equal(["alice"], book.LiquidatablePools());
        Assert.True(book.TryGetHealth("alice", out var alice));
        Assert.Equal(F("-70"), alice.Maint);
    }

    [Fact]
    public void Isolated_sub_accounts_are_pools_of_their_own()
    {
        var book = new ExposureBook(Context());
        var isolated = new SubAccount("iso").WithBalance(UsdcOnEthereum, Units("-10", 6));
        book.Upsert(new MarginAccount("alice", Alice(), [isolated]));

        Assert.True(book.TryGetHealth("alice", out var cross));
        Assert.True(book.TryGetHealth(ExposureBook.IsolatedKey("alice", "iso"), out var iso));
        Assert.Equal(F("380"), cross.Maint);
        Assert.Equal(F("-10"), iso.Maint);
        Assert.Equal(["alice/iso"], book.LiquidatablePools());
    }

    [Fact]
    public void A_market_whose_volatility_add_on_overflows_fails_only_the_pools_holding_it()
    {
        // k so large that k × σ√horizon does not fit: the domain throws when such a position is valued; the book
        // must not throw earlier (on construction or a tick) nor for pools without a position in that market.
        var market = new PerpMarket("WILD-PERP", F("0.1"), F("0.05")) { Volatility = new VolatilityAddOn(Fixed.FromRaw(Int128.MaxValue / 2), Fixed.FromInt(24), F("0.5")) };
        var context = Context() with
        {
            Markets = Context().Markets.SetItem("WILD-PERP", market),
            MarketStates = Context().MarketStates.SetItem("WILD-PERP", new PerpMarketState(PriceQuote.Exact(F("10")), Fixed.Zero, F("0.01"))),
        };
        var book = new ExposureBook(context);
        book.Upsert("alice", Alice());
        book.OnMarketState("WILD-PERP", context.MarketStates["WILD-PERP"] with { Variance = F("0.02") });

        var wild = new SubAccount("wild").WithPosition(new PerpPosition("WILD-PERP", F("1"), F("10"), Fixed.Zero));
        Assert.Throws<OverflowException>(() => HealthCalculator.Compute(wild, book.Context));
        Assert.Throws<OverflowException>(() => book.Upsert("wild", wild));
        Assert.True(book.TryGetHealth("alice", out var alice));
        Assert.Equal(F("380"), alice.Maint);
    }

    [Fact]
    public void A_pool_beyond_the_row_capacity_is_rejected()
    {
        var book = new ExposureBook(Context(), maxBalancesPerPool: 1, maxPositionsPerPool: 1);

        Assert.Throws<ArgumentException>(() => book.Upsert("alice", Alice()));
        Assert.Equal(0, book.PoolCount);
    }

    [Fact]
    public void Full_revaluation_and_ticks_allocate_nothing()
    {
        var random = new Random(99);
        var context = RandomWorlds.Context(random);
        var book = new ExposureBook(context, maxBalancesPerPool: 5, maxPositionsPerPool: 3, expectedPools: 2048);
        for (var i = 0; i < 2000; i++)
        {
            book.Upsert($"pool{i}", RandomWorlds.Pool(random, context, $"pool{i}"));
        }

        var quote = book.Context.Prices["SOL"];
        book.RevalueAll();
        var before = GC.GetAllocatedBytesForCurrentThread();
        book.RevalueAll();
        var afterRevalue = GC.GetAllocatedBytesForCurrentThread();

        Assert.Equal(0, afterRevalue - before);
        book.OnMarketState("BTC-PERP", book.Context.MarketStates["BTC-PERP"]);
        var beforeTick = GC.GetAllocatedBytesForCurrentThread();
        var evaluated = book.OnMarketState("BTC-PERP", book.Context.MarketStates["BTC-PERP"]);
        var tickBytes = GC.GetAllocatedBytesForCurrentThread() - beforeTick;

        // A tick replaces one entry of the context's immutable dictionaries (a few hundred bytes, once per
        // tick); nothing may scale with the number of pools re-evaluated.
        Assert.True(evaluated > 500, $"only {evaluated} pools exposed");
        Assert.True(tickBytes < 2_000, $"{tickBytes} bytes for a tick over {evaluated} pools");
        Assert.NotEqual(default, quote);
    }

    private static void AssertBookMatchesCalculator(ExposureBook book, IReadOnlyList<SubAccount> pools, string because)
    {
        var liquidatable = new List<string>();
        foreach (var pool in pools)
        {
            var expected = HealthCalculator.Compute(pool, book.Context);
            Assert.True(book.TryGetHealth(pool.Id, out var actual), because);
            Assert.True(
                new PoolHealth(expected.InitHealth, expected.LiquidationEndHealth, expected.MaintHealth) == actual,
                $"{because}, {pool.Id}: book {actual}, calculator init {expected.InitHealth} liqEnd {expected.LiquidationEndHealth} maint {expected.MaintHealth}");
            if (expected.IsLiquidatable)
            {
                liquidatable.Add(pool.Id);
            }
        }

        liquidatable.Sort(StringComparer.Ordinal);
        Assert.Equal(liquidatable, book.LiquidatablePools());
        Assert.Equal(liquidatable.Count, book.LiquidatableCount);
    }
}
