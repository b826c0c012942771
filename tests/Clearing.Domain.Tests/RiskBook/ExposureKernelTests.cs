using System.Numerics;
using Clearing.Domain.Assets;
using Clearing.Domain.Markets;
using Clearing.Domain.Numerics;
using Clearing.Domain.RiskBook;

namespace Clearing.Domain.Tests.RiskBook;

/// <summary>
/// The risk book's precomputed kernels against the domain's functions they replace, on random and edge inputs:
/// every result must be equal bit for bit (or both must throw OverflowException).
/// </summary>
public sealed class ExposureKernelTests
{
    private static readonly Int128 Scale = Fixed.Scale;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Balance_kernel_equals_the_domain_contribution_on_random_and_edge_balances(int seed)
    {
        var random = new Random(8_100_000 + seed);
        var fast = 0;
        var compared = 0;
        for (var world = 0; world < 400; world++)
        {
            var p = RandomCollateral(random);
            var price = RandomAdjustedPrice(random, p.Decimals);
            var haircut = random.Next(4) switch
            {
                0 => Fixed.One,
                1 => Fixed.Zero,
                2 => RoundFixed(random, "0.5", "1", random.Next(0, 4)),
                _ => RandomWorlds.RandomFixed(random, "0.5", "1"),
            };
            var factors = new SlotFactors(p, price, haircut);
            foreach (var units in Units(random, factors, p.Decimals))
            {
                var expected = Outcome(() => CollateralParams.Contributions(units, p, price, haircut));
                var actual = Outcome(() => BalanceKernel.Contributions(units, factors, p, price, haircut));
                Assert.True(expected == actual, $"seed {seed} world {world}: {units} units of {p} at {price}, haircut {haircut}: domain {expected}, kernel {actual}");
                compared++;
                var side = units > 0 ? factors.Asset : factors.Debt;
                if (units != 0 && units != Int128.MinValue && side.Fast && Magnitude(units) <= side.MaxUnits)
                {
                    fast++;
                }
            }
        }

        // The comparison must exercise the precomputed path, not only the fallback.
        Assert.True(fast > compared / 3, $"only {fast} of {compared} balances took the precomputed path");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Position_kernel_equals_the_domain_contribution_on_random_and_edge_positions(int seed)
    {
        var random = new Random(9_200_000 + seed);
        var fast = 0;
        var compared = 0;
        for (var world = 0; world < 300; world++)
        {
            var market = RandomMarket(random);
            var markPrice = RandomPrice(random);
            var state = new PerpMarketState(
                new PriceQuote(markPrice, markPrice.MulRoundDown(RandomWorlds.RandomFixed(random, "0", "0.03")), 1_000_000 - random.Next(0, 120)),
                random.Next(4) == 0 ? Fixed.Zero : RandomWorlds.RandomFixed(random, "-5000", "5000"),
                RandomWorlds.RandomFixed(random, "0", "0.0004"));
            var policy = random.Next(2) == 0 ? PricePolicy.Unguarded : new PricePolicy(60, Fixed.Parse("0.02"), Fixed.Parse("0.001"), Fixed.Parse("0.1"));
            var mark = policy.Adjust(state.Mark, 1_000_000);
            var factors = new MarketFactors(market, state, mark);
            for (var i = 0; i < 40; i++)
            {
                var size = RandomSize(random);
                var entry = random.Next(8) == 0 ? EdgeFixed(random) : markPrice.MulRoundDown(RandomWorlds.RandomFixed(random, "0.5", "1.5"));
                var last = random.Next(8) == 0 ? EdgeFixed(random) : state.CumulativeFundingIndex - RandomWorlds.RandomFixed(random, "-100", "100");
                var row = Outcome(() => new PositionRow(size, entry, last, market));
                var expected = Outcome(() => PerpMargin.Contributions(size, entry, last, market, state, mark));
                var actual = row.Error is not null
                    ? row.Error
                    : Outcome(() => PositionKernel.Contributions(new PositionRow(size, entry, last, market), factors, size, entry, last, market, state, mark));
                Assert.True(expected == actual, $"seed {seed} world {world}: size {size} entry {entry} last {last} in {market} at {state}: domain {expected}, kernel {actual}");
                compared++;
                if (row.Error is null && new PositionRow(size, entry, last, market).Fast && factors.Fast)
                {
                    fast++;
                }
            }
        }

        Assert.True(fast > compared / 2, $"only {fast} of {compared} positions took the precomputed path");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Balance_table_equals_the_domain_contribution_on_random_and_edge_balances(int seed)
    {
        var random = new Random(8_300_000 + seed);
        var tabled = 0;
        var twoLevels = 0;
        var compared = 0;
        var assets = new BalanceTable();
        var debts = new BalanceTable();
        for (var world = 0; world < 400; world++)
        {
            var p = RandomCollateral(random, scaling: random.Next(5) == 0);
            var price = RandomAdjustedPrice(random, p.Decimals);
            var haircut = random.Next(3) switch
            {
                0 => Fixed.One,
                1 => Fixed.Zero,
                _ => RoundFixed(random, "0.5", "1", random.Next(0, 3)),
            };
            assets.Rebuild(p, price, haircut, debt: false);
            debts.Rebuild(p, price, haircut, debt: true);
            foreach (var units in Units(random, new SlotFactors(p, price, haircut), p.Decimals).Concat(TableEdges(assets)).Concat(TableEdges(debts).Select(u => -u)))
            {
                var debt = units < 0;
                var table = debt ? debts : assets;
                if (units == 0 || units == Int128.MinValue || !table.TrySplit(Magnitude(units), out var quotient, out var remainder))
                {
                    continue;
                }

                Assert.True(table.Fits(quotient));
                twoLevels += table.TwoLevels ? 1 : 0;
                HealthSums sums = default;
                table.Add(quotient, remainder, debt, ref sums);
                var expected = Outcome(() => CollateralParams.Contributions(units, p, price, haircut));
                var actual = Outcome(() => sums.Triple);
                Assert.True(expected == actual, $"seed {seed} world {world}: {units} units of {p} at {price}, haircut {haircut}, modulus {table.Modulus}: domain {expected}, table {actual}");
                tabled++;
            }

            compared++;
        }

        // Oracle-style prices with round weights must give tables, and the tables must be used.
        Assert.True(tabled > compared * 3, $"only {tabled} balances through tables in {compared} worlds");
        Assert.True(twoLevels > tabled / 10, $"only {twoLevels} of {tabled} tabled balances through two levels");
    }

    [Fact]
    public void Balance_table_is_refused_where_it_cannot_be_exact_and_bounds_its_units()
    {
        var p = new CollateralParams(new AssetKey(ChainId.Ethereum, "ETH"), 18, Fixed.Parse("0.8"), Fixed.Parse("0.85"), Fixed.Parse("1.2"), Fixed.Parse("1.15"));
        var table = new BalanceTable();

        // 3011.17 on 18 decimals: value = units × 301117 / 100; weights 4/5, 33/40, 17/20: M = 100 × 40.
        table.Rebuild(p, AdjustedPrice.Exact(Fixed.Parse("3011.17")), Fixed.One, debt: false);
        Assert.True(table.Ready);
        Assert.Equal(4000UL, table.Modulus);
        Assert.True(table.MaxUnits >= (UInt128)ulong.MaxValue, $"max units {table.MaxUnits}");

        // An 18-decimal price makes the value step's denominator 10^18, beyond two levels: no table (the rational-step
        // kernel values it).
        table.Rebuild(p, AdjustedPrice.Exact(Fixed.Parse("3011.123456789012345678")), Fixed.One, debt: false);
        Assert.False(table.Ready);

        // A price with fewer decimals needs a divisor of the modulus: it stays (balances keep their splits); one that
        // needs a modulus beyond the bound has no table; the next one that fits starts afresh.
        table.Rebuild(p, AdjustedPrice.Exact(Fixed.Parse("3011.17")), Fixed.One, debt: false);
        Assert.False(table.Rebuild(p, AdjustedPrice.Exact(Fixed.Parse("3011.5")), Fixed.One, debt: false));
        Assert.Equal(4000UL, table.Modulus);
        Assert.True(table.Rebuild(p, AdjustedPrice.Exact(Fixed.Parse("3011.171")), Fixed.One, debt: false));
        Assert.True(table.TwoLevels);
        Assert.Equal(40_000UL, table.Modulus);
        Assert.True(table.Rebuild(p, AdjustedPrice.Exact(Fixed.Parse("3011.2")), Fixed.One, debt: false));
        Assert.False(table.TwoLevels);
        Assert.Equal(200UL, table.Modulus);

        // Priced to 10^-8 (as Pyth publishes), an 18-decimal token needs the value step's divisor in the modulus
        // (301112345678 / 10^8 reduces to 150556172839 / (5·10^7)): two levels, the table over the weights' 40.
        Assert.True(table.Rebuild(p, AdjustedPrice.Exact(Fixed.Parse("3011.12345678")), Fixed.One, debt: false));
        Assert.True(table.TwoLevels);
        Assert.Equal(2_000_000_000UL, table.Modulus);

        // Scaled deposit weights cap the value before weighting: not a fixed chain of steps.
        table.Rebuild(p with { DepositWeightScaleStart = Fixed.FromInt(1000) }, AdjustedPrice.Exact(Fixed.Parse("3011.17")), Fixed.One, debt: false);
        Assert.False(table.Ready);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Lot_kernel_equals_the_domain_contribution_on_positions_in_lots(int seed)
    {
        var random = new Random(9_400_000 + seed);
        var lots = 0;
        var compared = 0;
        for (var world = 0; world < 300; world++)
        {
            var market = RandomMarket(random);
            var markPrice = RandomPrice(random).RoundTo(random.Next(0, 10), Rounding.Down);
            markPrice = Fixed.Max(markPrice, Fixed.Parse("0.000000001"));
            var confidence = markPrice.MulRoundDown(RandomWorlds.RandomFixed(random, "0", "0.03")).RoundTo(random.Next(0, 10), Rounding.Down);
            var index = random.Next(3) switch
            {
                0 => Fixed.Zero,
                1 => RandomWorlds.RandomFixed(random, "-5000", "5000").RoundTo(random.Next(0, 10), Rounding.Down),
                _ => RandomWorlds.RandomFixed(random, "-5000", "5000"),
            };
            var state = new PerpMarketState(new PriceQuote(markPrice, confidence, 1_000_000 - random.Next(0, 120)), index, RandomWorlds.RandomFixed(random, "0", "0.0004"));
            var policy = random.Next(2) == 0 ? PricePolicy.Unguarded : new PricePolicy(60, Fixed.Parse("0.02"), Fixed.Parse("0.001"), Fixed.Parse("0.1"));
            var mark = policy.Adjust(state.Mark, 1_000_000);
            var factors = new MarketFactors(market, state, mark);
            for (var i = 0; i < 40; i++)
            {
                var size = RandomSize(random).RoundTo(random.Next(0, 10), Rounding.Down);
                var entry = random.Next(8) == 0 ? EdgeFixed(random) : markPrice.MulRoundDown(RandomWorlds.RandomFixed(random, "0.5", "1.5"));
                var last = random.Next(8) == 0 ? EdgeFixed(random) : index - RandomWorlds.RandomFixed(random, "-100", "100");
                var row = Outcome(() => new PositionRow(size, entry, last, market));
                if (row.Error is not null)
                {
                    continue;
                }

                var lot = new LotRow(size, entry, last, row.Row);
                HealthSums sums = default;
                if (!LotKernel.TryAdd(lot, factors, ref sums))
                {
                    continue;
                }

                var expected = Outcome(() => PerpMargin.Contributions(size, entry, last, market, state, mark));
                var actual = Outcome(() => sums.Triple);
                Assert.True(expected == actual, $"seed {seed} world {world}: size {size} entry {entry} last {last} in {market} at {state}, mark {mark}: domain {expected}, lot kernel {actual}");
                lots++;
            }

            compared++;
        }

        Assert.True(lots > compared * 10, $"only {lots} positions through the lot kernel in {compared} worlds");
    }

    [Fact]
    public void Lot_kernel_matches_at_the_rounding_boundaries_of_entry_and_funding()
    {
        // Sizes of one lot and of many, long and short; entry and last funding index one unit of 10^-18 either side
        // of a lot boundary; indexes with and without digits beyond 10^-9. The IMF factor makes the size premium bind
        // on the large sizes while keeping every ratio within the fast path's bound.
        var market = new PerpMarket("X-PERP", Fixed.Parse("0.1"), Fixed.Parse("0.05")) { ImfFactor = 20 };
        Fixed lot = Fixed.FromRaw(LotKernel.Lot);
        Fixed[] sizes = [lot, -lot, Fixed.One, -Fixed.One, Fixed.Parse("123456.789"), Fixed.Parse("-0.000000007"), Fixed.FromRaw((Int128)(PositionKernel.WholeLimit * 1_000_000_000 - 1) * LotKernel.Lot)];
        Fixed[] prices = [Fixed.One, lot, Fixed.Parse("60123.5"), Fixed.Parse("0.000000001"), Fixed.Parse("134217727.9")];
        Fixed[] indexes = [Fixed.Zero, Fixed.FromRaw(1), Fixed.FromRaw(-1), Fixed.Parse("-0.5"), Fixed.Parse("12.5"), Fixed.Parse("0.000000001000000001")];
        var compared = 0;
        foreach (var size in sizes)
        {
            foreach (var price in prices)
            {
                foreach (var index in indexes)
                {
                    foreach (var last in indexes)
                    {
                        foreach (var entry in new[] { price, price - Fixed.FromRaw(1), price + Fixed.FromRaw(1) })
                        {
                            var state = new PerpMarketState(PriceQuote.Exact(price), index, Fixed.Zero);
                            var mark = AdjustedPrice.Exact(price);
                            var lotRow = new LotRow(size, entry, last, new PositionRow(size, entry, last, market));
                            HealthSums sums = default;
                            Assert.True(LotKernel.TryAdd(lotRow, new MarketFactors(market, state, mark), ref sums), $"size {size} price {price} index {index} last {last} entry {entry} not in lots");
                            var expected = Outcome(() => PerpMargin.Contributions(size, entry, last, market, state, mark));
                            Assert.True(expected == Outcome(() => sums.Triple), $"size {size} price {price} index {index} last {last} entry {entry}: domain {expected}, lot kernel {Outcome(() => sums.Triple)}");
                            compared++;
                        }
                    }
                }
            }
        }

        Assert.Equal(sizes.Length * prices.Length * indexes.Length * indexes.Length * 3, compared);
    }

    [Fact]
    public void Position_kernel_matches_at_rounding_boundaries_of_the_split_products()
    {
        // Products whose fractional part is exactly 0, exactly one unit of 10^-18 either side, long and short,
        // funding index equal to the last one and crossing zero, whole parts at the fast path's bound (2^27) and beyond.
        var market = new PerpMarket("X-PERP", Fixed.Parse("0.1"), Fixed.Parse("0.05")) { ImfFactor = 1000 };
        Fixed[] sizes = [Fixed.One, -Fixed.One, Fixed.FromRaw(1), Fixed.FromRaw(-1), Fixed.FromRaw(Scale - 1), Fixed.FromRaw(-(Scale + 1)), Fixed.Parse("134217727.999999999999999999"), Fixed.Parse("-134217727.999999999999999999"), Fixed.FromInt(134_217_728)];
        Fixed[] prices = [Fixed.One, Fixed.FromRaw(1), Fixed.FromRaw(Scale + 1), Fixed.FromRaw(Scale - 1), Fixed.Parse("60000"), Fixed.Parse("134217727.999999999999999999"), Fixed.FromInt(134_217_728)];
        Fixed[] indexes = [Fixed.Zero, Fixed.FromRaw(1), Fixed.FromRaw(-1), Fixed.Parse("-0.5"), Fixed.Parse("12.5")];
        foreach (var size in sizes)
        {
            foreach (var price in prices)
            {
                foreach (var index in indexes)
                {
                    foreach (var last in indexes)
                    {
                        var state = new PerpMarketState(PriceQuote.Exact(price), index, Fixed.Zero);
                        var mark = AdjustedPrice.Exact(price);
                        var entry = price - Fixed.FromRaw(1);
                        var expected = Outcome(() => PerpMargin.Contributions(size, entry, last, market, state, mark));
                        var actual = Outcome(() => PositionKernel.Contributions(new PositionRow(size, entry, last, market), new MarketFactors(market, state, mark), size, entry, last, market, state, mark));
                        Assert.True(expected == actual, $"size {size} price {price} index {index} last {last}: domain {expected}, kernel {actual}");
                    }
                }
            }
        }
    }

    [Fact]
    public void Reduced_rational_steps_merge_a_whole_price_into_the_weights()
    {
        // SOL (9 decimals) at 151.154 with weight 0.7 and a 0.95 chain haircut: value (raw, 10^-18 USD) = units ×
        // 151154 × 10^15 / 10^9 exactly, so the three steps become one multiplication by 151154 × 10^6 × 0.7 × 0.95.
        var p = new CollateralParams(new AssetKey(ChainId.Solana, "SOL"), 9, Fixed.Parse("0.7"), Fixed.Parse("0.8"), Fixed.Parse("1.3"), Fixed.Parse("1.2"));
        var factors = new SlotFactors(p, AdjustedPrice.Exact(Fixed.Parse("151.154")), Fixed.Parse("0.95"));

        Assert.False(factors.Asset.Shared);
        Assert.Equal(Fixed.FromRaw((Int128)123 * 100_517_410_000), BalanceKernel.Contributions(123, factors, p, AdjustedPrice.Exact(Fixed.Parse("151.154")), Fixed.Parse("0.95")).Init);
    }

    [Theory]
    [InlineData(41)]
    [InlineData(42)]
    public void WideMath_DivRem_equals_big_integer_division(int seed)
    {
        var random = new Random(seed);
        for (var i = 0; i < 20_000; i++)
        {
            var n = ((UInt128)(ulong)random.NextInt64() << 64) | (ulong)random.NextInt64();
            n >>= random.Next(0, 128);
            var d = random.Next(3) switch
            {
                0 => (ulong)Fixed.PowerOfTen(random.Next(0, 19)),
                1 => (ulong)random.Next(1, 1000),
                _ => (ulong)random.NextInt64(1, long.MaxValue) << random.Next(0, 2),
            };
            var q = WideMath.DivRem(n, d, out var r);
            Assert.Equal((BigInteger)n / d, (BigInteger)q);
            Assert.Equal((BigInteger)n % d, (BigInteger)r);
        }
    }

    /// <summary>Around the table's modulus (remainders 0 and M − 1 of small and large quotients) and its bound.</summary>
    private static IEnumerable<Int128> TableEdges(BalanceTable table)
    {
        if (!table.Ready)
        {
            yield break;
        }

        var m = (Int128)table.Modulus;
        foreach (var quotient in new Int128[] { 0, 1, 7, 1_000_003, (Int128)long.MaxValue })
        {
            yield return quotient * m;
            yield return (quotient * m) + m - 1;
        }

        yield return (Int128)table.MaxUnits;
        yield return (Int128)table.MaxUnits - 1;
    }

    private static UInt128 Magnitude(Int128 units) => units < 0 ? (UInt128)(-units) : (UInt128)units;

    /// <summary>Random units, and the edges: ±1, powers of ten ± 1, the fast path's bound and one beyond, and
    /// the extremes of Int128.</summary>
    private static IEnumerable<Int128> Units(Random random, SlotFactors factors, int decimals)
    {
        for (var i = 0; i < 12; i++)
        {
            var units = (Int128)random.NextInt64(1, long.MaxValue) >> random.Next(0, 62);
            if (random.Next(4) == 0)
            {
                units *= Fixed.PowerOfTen(random.Next(0, 19));
            }

            yield return random.Next(3) == 0 ? -units : units;
        }

        var unit = Fixed.PowerOfTen(decimals);
        foreach (var edge in new[] { (Int128)1, unit - 1, unit, unit + 1, 1000 * unit - 1 })
        {
            yield return edge;
            yield return -edge;
        }

        foreach (var bound in new[] { factors.Asset.MaxUnits, factors.Debt.MaxUnits })
        {
            if (bound < (UInt128)Int128.MaxValue)
            {
                yield return (Int128)bound;
                yield return (Int128)bound + 1;
                yield return -(Int128)bound;
                yield return -(Int128)bound - 1;
            }
        }

        yield return Int128.MaxValue;
        yield return Int128.MinValue;
        yield return Int128.MinValue + 1;
        yield return 0;
    }

    private static CollateralParams RandomCollateral(Random random, bool? scaling = null)
    {
        var decimals = random.Next(0, 19);
        var round = random.Next(2) == 0;
        Fixed Weight(string low, string high) => round ? RoundFixed(random, low, high, random.Next(0, 5)) : RandomWorlds.RandomFixed(random, low, high);
        var initAsset = random.Next(10) == 0 ? Fixed.Zero : Weight("0.1", "1");
        var maintAsset = initAsset + Weight("0", "0.1");
        var maintLiability = Weight("1", "1.3");
        var initLiability = maintLiability + Weight("0", "0.2");
        return new CollateralParams(new AssetKey(ChainId.Ethereum, "X"), decimals, initAsset, maintAsset, initLiability, maintLiability)
        {
            DepositWeightScaleStart = scaling ?? random.Next(3) == 0 ? RoundFixed(random, "0", "100000", random.Next(0, 3)) : null,
        };
    }

    private static AdjustedPrice RandomAdjustedPrice(Random random, int decimals)
    {
        var mid = RandomPrice(random);
        var confidence = random.Next(3) == 0 ? Fixed.Zero : mid.MulRoundDown(RoundFixed(random, "0", "0.05", random.Next(0, 6)));
        var low = Fixed.Max(Fixed.Zero, mid - confidence);
        var status = (PriceStatus)random.Next(3);
        return new AdjustedPrice(mid, random.Next(20) == 0 ? Fixed.Zero : low, mid + confidence, status);
    }

    /// <summary>Prices as oracles publish them (0–8 decimals) or at full 18-decimal resolution, from 10^-6 to 10^6 USD.</summary>
    private static Fixed RandomPrice(Random random)
    {
        var magnitude = Fixed.FromRaw(Fixed.PowerOfTen(random.Next(12, 25)));
        var price = magnitude.MulRoundDown(RandomWorlds.RandomFixed(random, "1", "10"));
        return random.Next(2) == 0 ? Fixed.Max(Fixed.FromRaw(1), price.RoundTo(random.Next(0, 9), Rounding.Down)) : price;
    }

    private static Fixed RandomSize(Random random) => random.Next(10) switch
    {
        0 => Fixed.FromRaw(random.Next(-3, 4)),
        1 => EdgeFixed(random),
        2 => RoundFixed(random, "-1000", "1000", random.Next(0, 4)),
        _ => RandomWorlds.RandomFixed(random, "-1000", "1000").MulInt(random.Next(4) == 0 ? 1_000_000 : 1),
    };

    /// <summary>Around the fast path's bounds (whole part <see cref="PositionKernel.WholeLimit"/>) and at the unit boundaries.</summary>
    private static Fixed EdgeFixed(Random random)
    {
        Int128 limit = Scale * PositionKernel.WholeLimit;
        Int128 raw = random.Next(6) switch
        {
            0 => limit - 1,
            1 => limit,
            2 => limit + 1,
            3 => Scale * random.Next(1, 100) + random.Next(-1, 2),
            4 => (Int128)random.NextInt64() * random.NextInt64(),
            _ => Int128.MaxValue / random.Next(1, 1000),
        };
        return Fixed.FromRaw(random.Next(2) == 0 ? raw : -raw);
    }

    private static PerpMarket RandomMarket(Random random)
    {
        var maintenance = RoundFixed(random, "0.01", "0.1", random.Next(2, 19));
        return new PerpMarket("X-PERP", maintenance + RoundFixed(random, "0", "0.1", random.Next(2, 19)), maintenance)
        {
            ImfFactor = random.Next(2) == 0 ? 0 : random.Next(1, 5000),
            Tiers = random.Next(3) == 0
                ? new MarginTiers([new MarginTier(Fixed.Zero, Fixed.Parse("0.1"), Fixed.Parse("0.05")), new MarginTier(Fixed.FromInt(100_000), Fixed.Parse("0.2"), Fixed.Parse("0.1"))])
                : null,
            Volatility = random.Next(3) == 0 ? new VolatilityAddOn(Fixed.FromInt(3), Fixed.FromInt(24), Fixed.Parse("0.5")) : null,
        };
    }

    /// <summary>Uniform in [low, high] with the given number of decimals.</summary>
    private static Fixed RoundFixed(Random random, string low, string high, int decimals) =>
        Fixed.Max(Fixed.Parse(low), RandomWorlds.RandomFixed(random, low, high).RoundTo(decimals, Rounding.Down));

    private static string Outcome(Func<HealthTriple> evaluate)
    {
        try
        {
            var t = evaluate();
            return $"{t.Init.Raw}/{t.LiquidationEnd.Raw}/{t.Maint.Raw}";
        }
        catch (OverflowException)
        {
            return "overflow";
        }
    }

    private static (PositionRow Row, string? Error) Outcome(Func<PositionRow> prepare)
    {
        try
        {
            return (prepare(), null);
        }
        catch (OverflowException)
        {
            return (default, "overflow");
        }
    }
}
