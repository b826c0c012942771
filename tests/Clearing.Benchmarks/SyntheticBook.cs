using System.Collections.Immutable;
using System.Globalization;
using Clearing.Domain.Accounts;
using Clearing.Domain.Assets;
using Clearing.Domain.Health;
using Clearing.Domain.Markets;
using Clearing.Domain.Numerics;

namespace Clearing.Benchmarks;

/// <summary>
/// The benchmark's synthetic world, reproducible from a seed: six (chain, asset) slots on three chains, three
/// perp markets, and pools of exactly 4 balances on 3 chains and 3 perp positions. Every other pool holds SOL,
/// so a SOL tick touches exactly half of the book.
/// </summary>
public static class SyntheticBook
{
    public const int Seed = 20_261_121;

    public static readonly AssetKey UsdcEthereum = new(ChainId.Ethereum, "USDC");
    public static readonly AssetKey UsdcArbitrum = new(ChainId.Arbitrum, "USDC");
    public static readonly AssetKey UsdcSolana = new(ChainId.Solana, "USDC");
    public static readonly AssetKey EthEthereum = new(ChainId.Ethereum, "ETH");
    public static readonly AssetKey EthArbitrum = new(ChainId.Arbitrum, "ETH");
    public static readonly AssetKey SolSolana = new(ChainId.Solana, "SOL");

    public static readonly string[] Markets = ["BTC-PERP", "ETH-PERP", "SOL-PERP"];

    /// <param name="prices">Round: prices with 1–3 decimals; Oracle: 8 decimals, as Pyth and Chainlink publish them.</param>
    public static RiskContext Context(PricePrecision prices = PricePrecision.Round)
    {
        static Fixed F(string text) => Fixed.Parse(text);
        var oracle = prices == PricePrecision.Oracle;
        PriceQuote Quote(string round, string roundConfidence, string eightDecimals, string eightDecimalConfidence) =>
            new(F(oracle ? eightDecimals : round), F(oracle ? eightDecimalConfidence : roundConfidence), 999_990);
        static KeyValuePair<AssetKey, CollateralParams> Slot(AssetKey key, int decimals, string init, string maint, string initLiability, string maintLiability) =>
            KeyValuePair.Create(key, new CollateralParams(key, decimals, F(init), F(maint), F(initLiability), F(maintLiability)) { MayGoNegative = key == UsdcEthereum });

        return new RiskContext(UsdcEthereum, 1_000_000)
        {
            Collateral = ImmutableDictionary.CreateRange(
            [
                Slot(UsdcEthereum, 6, "1", "1", "1", "1"),
                Slot(UsdcArbitrum, 6, "0.98", "0.99", "1.02", "1.01"),
                Slot(UsdcSolana, 6, "0.97", "0.985", "1.03", "1.015"),
                Slot(EthEthereum, 18, "0.8", "0.85", "1.2", "1.15"),
                Slot(EthArbitrum, 18, "0.78", "0.84", "1.22", "1.16"),
                Slot(SolSolana, 9, "0.7", "0.8", "1.3", "1.2"),
            ]),
            Prices = ImmutableDictionary.CreateRange(
            [
                KeyValuePair.Create("USDC", Quote("1", "0.0005", "0.99987654", "0.00050321")),
                KeyValuePair.Create("ETH", Quote("3012.37", "1.2", "3012.37123456", "1.20000001")),
                KeyValuePair.Create("SOL", Quote("151.234", "0.08", "151.23412345", "0.08012345")),
            ]),
            Markets = ImmutableDictionary.CreateRange(
            [
                KeyValuePair.Create("BTC-PERP", new PerpMarket("BTC-PERP", F("0.1"), F("0.05")) { ImfFactor = 300 }),
                KeyValuePair.Create("ETH-PERP", new PerpMarket("ETH-PERP", F("0.1"), F("0.05"))),
                KeyValuePair.Create("SOL-PERP", new PerpMarket("SOL-PERP", F("0.2"), F("0.1"))),
            ]),
            MarketStates = ImmutableDictionary.CreateRange(
            [
                KeyValuePair.Create("BTC-PERP", new PerpMarketState(Quote("60123.5", "5", "60123.51234567", "5.00012345"), F("12.5"), Fixed.Zero)),
                KeyValuePair.Create("ETH-PERP", new PerpMarketState(Quote("3011.9", "0.5", "3011.91234567", "0.50012345"), F("-0.75"), Fixed.Zero)),
                KeyValuePair.Create("SOL-PERP", new PerpMarketState(Quote("151.2", "0.02", "151.21234567", "0.02012345"), F("0.01"), Fixed.Zero)),
            ]),
            ChainHaircuts = ImmutableDictionary.CreateRange([KeyValuePair.Create(ChainId.Solana, F("0.95"))]),
            PricePolicy = new PricePolicy(60, F("0.02"), F("0.001"), F("0.1")),
        };
    }

    /// <summary>Pool <paramref name="index"/>: 4 balances on 3 chains (USDC on ethereum, possibly negative; ETH on
    /// ethereum or arbitrum; SOL or USDC on solana; USDC on arbitrum) and one position in each of the 3 markets.</summary>
    /// <param name="sizes">Lots: sizes in whole 10^-6 of a unit (what a venue's lot size gives); FullPrecision: the
    /// same sizes plus 10^-18, so every size uses all 18 decimals.</param>
    public static SubAccount Pool(Random random, int index, SizePrecision sizes = SizePrecision.Lots)
    {
        var pool = new SubAccount(index.ToString(CultureInfo.InvariantCulture))
            .WithBalance(UsdcEthereum, random.NextInt64(-20_000_000_000, 200_000_000_000))
            .WithBalance(random.Next(2) == 0 ? EthEthereum : EthArbitrum, (Int128)random.NextInt64(1, 50_000_000) * 1_000_000_000_000)
            .WithBalance(index % 2 == 0 ? SolSolana : UsdcSolana, index % 2 == 0 ? random.NextInt64(1, 500_000_000_000) : random.NextInt64(1, 50_000_000_000))
            .WithBalance(UsdcArbitrum, random.NextInt64(1, 50_000_000_000));
        foreach (var market in Markets)
        {
            var size = Fixed.FromRaw(((Int128)random.NextInt64(-2_000_000, 2_000_000) * 1_000_000_000_000) + (sizes == SizePrecision.FullPrecision ? 1 : 0));
            var mark = market switch { "BTC-PERP" => 60_000, "ETH-PERP" => 3_000, _ => 150 };
            var entry = Fixed.FromRaw((Int128)(mark * (900 + random.Next(200))) * 1_000_000_000_000_000);
            pool = pool.WithPosition(new PerpPosition(market, size, entry, Fixed.FromRaw(random.NextInt64(-1_000_000, 1_000_000) * 1_000_000_000_000L)));
        }

        return pool;
    }

    /// <summary>The first <paramref name="count"/> pools of the world, as <see cref="Fill"/> builds them.</summary>
    public static IEnumerable<SubAccount> Pools(int count, SizePrecision sizes = SizePrecision.Lots)
    {
        var random = new Random(Seed);
        for (var i = 0; i < count; i++)
        {
            yield return Pool(random, i, sizes);
        }
    }

    public static Clearing.Domain.RiskBook.ExposureBook Fill(int pools, SizePrecision sizes = SizePrecision.Lots, PricePrecision prices = PricePrecision.Round)
    {
        var book = new Clearing.Domain.RiskBook.ExposureBook(Context(prices), maxBalancesPerPool: 4, maxPositionsPerPool: 3, expectedPools: pools);
        foreach (var pool in Pools(pools, sizes))
        {
            book.Upsert(pool.Id, pool);
        }

        return book;
    }
}

/// <summary>How many decimals the synthetic positions' sizes use.</summary>
public enum SizePrecision
{
    /// <summary>Whole multiples of 10^-6 of a unit, as a venue's lot size gives (drift: 10^-9).</summary>
    Lots,

    /// <summary>All 18 decimals (the lot sizes plus 10^-18): the book's general position kernel.</summary>
    FullPrecision,
}

/// <summary>How many decimals the synthetic prices, marks and confidences use.</summary>
public enum PricePrecision
{
    /// <summary>1–3 decimals (3012.37, 151.234, 60123.5).</summary>
    Round,

    /// <summary>8 decimals, as Pyth and Chainlink publish them (3012.37123456): an 18-decimal token's balances then
    /// take the book's two-level tables.</summary>
    Oracle,
}
