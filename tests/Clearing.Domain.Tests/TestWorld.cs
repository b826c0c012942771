using System.Collections.Immutable;
using Clearing.Domain.Accounts;
using Clearing.Domain.Assets;
using Clearing.Domain.Health;
using Clearing.Domain.Markets;
using Clearing.Domain.Numerics;

namespace Clearing.Domain.Tests;

/// <summary>The example portfolio world: SOL on solana, USDC on ethereum (settlement), BTC-PERP.</summary>
internal static class TestWorld
{
    public static readonly AssetKey SolOnSolana = new(ChainId.Solana, "SOL");
    public static readonly AssetKey UsdcOnEthereum = new(ChainId.Ethereum, "USDC");
    public static readonly AssetKey UsdcOnSolana = new(ChainId.Solana, "USDC");
    public static readonly AssetKey EthOnArbitrum = new(ChainId.Arbitrum, "ETH");

    public static Fixed F(string text) => Fixed.Parse(text);

    public static Int128 Units(string text, int decimals) => TokenAmounts.ParseUnits(text, decimals);

    public static RiskContext Context(long now = 1_000) => new RiskContext(UsdcOnEthereum, now)
    {
        Collateral = ImmutableDictionary.CreateRange(
        [
            KeyValuePair.Create(SolOnSolana, new CollateralParams(SolOnSolana, 9, F("0.8"), F("0.9"), F("1.2"), F("1.1"))),
            KeyValuePair.Create(UsdcOnEthereum, new CollateralParams(UsdcOnEthereum, 6, F("1"), F("1"), F("1"), F("1")) { MayGoNegative = true }),
            KeyValuePair.Create(UsdcOnSolana, new CollateralParams(UsdcOnSolana, 6, F("0.95"), F("0.98"), F("1.05"), F("1.02"))),
            KeyValuePair.Create(EthOnArbitrum, new CollateralParams(EthOnArbitrum, 18, F("0.75"), F("0.85"), F("1.25"), F("1.15"))),
        ]),
        Prices = ImmutableDictionary.CreateRange(
        [
            KeyValuePair.Create("USDC", PriceQuote.Exact(F("1"))),
            KeyValuePair.Create("SOL", PriceQuote.Exact(F("100"))),
            KeyValuePair.Create("ETH", PriceQuote.Exact(F("3000"))),
        ]),
        Markets = ImmutableDictionary.CreateRange(
        [
            KeyValuePair.Create("BTC-PERP", new PerpMarket("BTC-PERP", F("0.1"), F("0.05"))),
            KeyValuePair.Create("SOL-PERP", new PerpMarket("SOL-PERP", F("0.2"), F("0.1"))),
        ]),
        MarketStates = ImmutableDictionary.CreateRange(
        [
            KeyValuePair.Create("BTC-PERP", PerpMarketState.AtPrice(F("60000"))),
            KeyValuePair.Create("SOL-PERP", PerpMarketState.AtPrice(F("100"))),
        ]),
    };

    /// <summary>alice from the issue: 10 SOL on solana, −500 USDC on ethereum, long 0.01 BTC-PERP from 59000.</summary>
    public static SubAccount Alice() => new SubAccount("alice")
        .WithBalance(SolOnSolana, Units("10", 9))
        .WithBalance(UsdcOnEthereum, Units("-500", 6))
        .WithPosition(new PerpPosition("BTC-PERP", F("0.01"), F("59000"), Fixed.Zero));
}
