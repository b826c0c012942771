using System.Collections.Immutable;
using Clearing.Domain.Accounts;
using Clearing.Domain.Assets;
using Clearing.Domain.Health;
using Clearing.Domain.Liquidation;
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

    /// <summary>
    /// Assets and markets (by symbol) whose price the oracles froze (sources diverge): still valued at the last good
    /// quote, but no liquidation is proposed or planned on a pool that holds them.
    /// </summary>
    public ImmutableHashSet<string> FrozenPrices { get; init; } = ImmutableHashSet<string>.Empty.WithComparer(StringComparer.Ordinal);

    /// <summary>Perp markets traded in isolation: a trade in one goes to the account's isolated sub-account of that market.</summary>
    public ImmutableHashSet<string> IsolatedMarkets { get; init; } = ImmutableHashSet<string>.Empty.WithComparer(StringComparer.Ordinal);

    /// <summary>
    /// The liquidation planner's parameters. Default: 1 USD buffer, 2.5 % penalty on closed notional and on seized value,
    /// half of each fee to the liquidator (the rest to the insurance fund), lowest weight first, 1 USD dust.
    /// </summary>
    public LiquidationConfig Liquidation { get; init; } = DefaultLiquidation;

    public static LiquidationConfig DefaultLiquidation { get; } =
        new(Fixed.One, Fixed.Parse("0.025"), Fixed.Parse("0.025"), Fixed.Parse("0.5"), CollateralPolicy.LowestWeightFirst, Fixed.One);

    RiskConfiguration IRiskConfigurationProvider.Current => this;

    /// <summary>Whether (chain, asset) is accepted as collateral: only such deposits are credited to margin accounts.</summary>
    public bool IsCollateral(string chain, string asset) =>
        Collateral.Keys.Any(key => key.Chain.Name == chain && key.Asset == asset);

    /// <summary>
    /// Why no liquidation may act on <paramref name="pool"/> now, or null when every price it depends on may: each
    /// non-settlement asset it holds and each market it has a position in must have a price that is
    /// <see cref="PriceStatus.Fresh"/> under <see cref="PricePolicy"/> (not stale, not uncertain) and not frozen.
    /// The Domain values a stale price conservatively (its band widens), which is right for valuation but not a reason to
    /// seize: a liquidation waits for a live price.
    /// </summary>
    public string? LiquidationBlocker(SubAccount pool, RiskContext context)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(context);
        foreach (var balance in pool.Balances)
        {
            if (balance.Units == 0 || (balance.Key.Asset == Settlement.Asset && !Prices.ContainsKey(balance.Key.Asset)))
            {
                continue;
            }

            if (FrozenPrices.Contains(balance.Key.Asset))
            {
                return $"the price of {balance.Key.Asset} is frozen";
            }

            if (context.PriceFor(balance.Key).Status is not PriceStatus.Fresh and var status)
            {
                return $"the price of {balance.Key.Asset} is {status.ToString().ToLowerInvariant()}";
            }
        }

        foreach (var position in pool.Positions)
        {
            if (FrozenPrices.Contains(position.Market))
            {
                return $"the mark price of {position.Market} is frozen";
            }

            if (context.MarkFor(position.Market).Status is not PriceStatus.Fresh and var status)
            {
                return $"the mark price of {position.Market} is {status.ToString().ToLowerInvariant()}";
            }
        }

        return null;
    }

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
