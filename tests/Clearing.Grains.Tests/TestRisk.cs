using System.Collections.Immutable;
using Clearing.Domain.Assets;
using Clearing.Domain.Markets;
using Clearing.Domain.Numerics;
using Clearing.Grains.Risk;

namespace Clearing.Grains.Tests;

/// <summary>
/// One EVM chain with USDC (settlement, 6 decimals, weight 1) and WETH (18 decimals, init weight 0.8, maint 0.9) at
/// 2,000 USD, and ETH-PERP marked at 2,000 USD with 10 % initial and 5 % maintenance margin.
/// </summary>
public static class TestRisk
{
    public const string Chain = "evm-1";
    public const string Market = "ETH-PERP";

    public static readonly AssetKey Usdc = new(new ChainId(Chain), "USDC");
    public static readonly AssetKey Weth = new(new ChainId(Chain), "WETH");

    public static RiskConfiguration Configuration { get; } = new(Usdc)
    {
        Collateral = ImmutableDictionary<AssetKey, CollateralParams>.Empty
            .Add(Usdc, new CollateralParams(Usdc, 6, Fixed.One, Fixed.One, Fixed.One, Fixed.One) { MayGoNegative = true })
            .Add(Weth, new CollateralParams(Weth, 18, Fixed.Parse("0.8"), Fixed.Parse("0.9"), Fixed.Parse("1.2"), Fixed.Parse("1.1"))),
        Prices = ImmutableDictionary<string, PriceQuote>.Empty.Add("WETH", PriceQuote.Exact(Fixed.FromInt(2000))),
        Markets = ImmutableDictionary<string, PerpMarket>.Empty.Add(Market, new PerpMarket(Market, Fixed.Parse("0.1"), Fixed.Parse("0.05"))),
        MarketStates = ImmutableDictionary<string, PerpMarketState>.Empty.Add(Market, PerpMarketState.AtPrice(Fixed.FromInt(2000))),
    };

    /// <summary>USDC base units of a whole number of dollars.</summary>
    public static Int128 Dollars(long usd) => usd * (Int128)1_000_000;
}

/// <summary>A risk configuration the test can change between calls (prices, funding indices), as the oracles will.</summary>
public sealed class MutableRiskConfiguration(RiskConfiguration initial) : IRiskConfigurationProvider
{
    public RiskConfiguration Current { get; set; } = initial;
}
