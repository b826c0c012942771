using System.Collections.Immutable;
using Clearing.Domain.Assets;
using Clearing.Domain.Health;
using Clearing.Domain.Markets;
using Clearing.Domain.Numerics;

namespace Clearing.Grains.Risk;

/// <summary>Where grains get the risk parameters and prices they decide with. Read-only to grains.</summary>
public interface IRiskConfigurationProvider
{
    RiskConfiguration Current { get; }
}

/// <summary>
/// Risk parameters (collateral per (chain, asset), perp markets) and prices, immutable. It is its own provider: a
/// fixed configuration. The oracles replace the price part with live, guarded prices (a provider whose
/// <see cref="IRiskConfigurationProvider.Current"/> changes).
/// </summary>
public sealed record RiskConfiguration(AssetKey Settlement) : IRiskConfigurationProvider
{
    public ImmutableDictionary<AssetKey, CollateralParams> Collateral { get; init; } = ImmutableDictionary<AssetKey, CollateralParams>.Empty;

    /// <summary>Oracle prices by asset symbol (USD per whole token).</summary>
    public ImmutableDictionary<string, PriceQuote> Prices { get; init; } = ImmutableDictionary<string, PriceQuote>.Empty;

    public ImmutableDictionary<string, PerpMarket> Markets { get; init; } = ImmutableDictionary<string, PerpMarket>.Empty;

    public ImmutableDictionary<string, PerpMarketState> MarketStates { get; init; } = ImmutableDictionary<string, PerpMarketState>.Empty;

    public ImmutableDictionary<ChainId, Fixed> ChainHaircuts { get; init; } = ImmutableDictionary<ChainId, Fixed>.Empty;

    public PricePolicy PricePolicy { get; init; } = PricePolicy.Unguarded;

    RiskConfiguration IRiskConfigurationProvider.Current => this;

    /// <summary>Whether (chain, asset) is accepted as collateral: only such deposits are credited to margin accounts.</summary>
    public bool IsCollateral(string chain, string asset) =>
        Collateral.Keys.Any(key => key.Chain.Name == chain && key.Asset == asset);

    /// <summary>The Domain's context at <paramref name="now"/> (whole Unix seconds: price ages are in seconds).</summary>
    public RiskContext ContextAt(DateTimeOffset now) => new(Settlement, now.ToUnixTimeSeconds())
    {
        Collateral = Collateral,
        Prices = Prices,
        Markets = Markets,
        MarketStates = MarketStates,
        ChainHaircuts = ChainHaircuts,
        PricePolicy = PricePolicy,
    };
}
