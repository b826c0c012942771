using System.Collections.Immutable;
using Clearing.Domain.Assets;
using Clearing.Domain.Markets;
using Clearing.Domain.Numerics;

namespace Clearing.Domain.Health;

/// <summary>
/// Everything a health computation needs besides the account: parameters, prices, chain conditions and
/// the time "now" (a parameter, never read from a clock). Immutable.
/// </summary>
public sealed record RiskContext
{
    public RiskContext(AssetKey settlement, long now)
    {
        Settlement = settlement;
        Now = now;
    }

    /// <summary>The settlement balance (e.g. ethereum:USDC): PnL, fees and liquidation proceeds settle into
    /// it, valued at 1 USD per whole token (it is the quote currency), and it may go negative.</summary>
    public AssetKey Settlement { get; init; }

    /// <summary>Unix seconds.</summary>
    public long Now { get; init; }

    public ImmutableDictionary<AssetKey, CollateralParams> Collateral { get; init; } = ImmutableDictionary<AssetKey, CollateralParams>.Empty;

    /// <summary>Oracle prices by asset symbol (an asset has one price whatever chain holds it).</summary>
    public ImmutableDictionary<string, PriceQuote> Prices { get; init; } = ImmutableDictionary<string, PriceQuote>.Empty;

    public ImmutableDictionary<string, PerpMarket> Markets { get; init; } = ImmutableDictionary<string, PerpMarket>.Empty;

    public ImmutableDictionary<string, PerpMarketState> MarketStates { get; init; } = ImmutableDictionary<string, PerpMarketState>.Empty;

    /// <summary>Asset-weight multiplier per chain (see <see cref="ChainHaircutPolicy"/>); a chain not listed is healthy (1).</summary>
    public ImmutableDictionary<ChainId, Fixed> ChainHaircuts { get; init; } = ImmutableDictionary<ChainId, Fixed>.Empty;

    public PricePolicy PricePolicy { get; init; } = PricePolicy.Unguarded;

    public CollateralParams CollateralFor(AssetKey key) =>
        Collateral.TryGetValue(key, out CollateralParams? p) ? p : throw new KeyNotFoundException($"No collateral parameters for {key}.");

    public PerpMarket MarketFor(string symbol) =>
        Markets.TryGetValue(symbol, out PerpMarket? m) ? m : throw new KeyNotFoundException($"Unknown market {symbol}.");

    public PerpMarketState MarketStateFor(string symbol) =>
        MarketStates.TryGetValue(symbol, out PerpMarketState s) ? s : throw new KeyNotFoundException($"No mark price for market {symbol}.");

    /// <summary>The policy-adjusted price of the asset held at <paramref name="key"/>. The settlement asset is
    /// exactly 1 USD.</summary>
    public AdjustedPrice PriceFor(AssetKey key)
    {
        if (key.Asset == Settlement.Asset && !Prices.ContainsKey(key.Asset))
        {
            return AdjustedPrice.Exact(Fixed.One);
        }

        return Prices.TryGetValue(key.Asset, out PriceQuote quote)
            ? PricePolicy.Adjust(quote, Now)
            : throw new KeyNotFoundException($"No price for asset {key.Asset}.");
    }

    public AdjustedPrice MarkFor(string market) => PricePolicy.Adjust(MarketStateFor(market).Mark, Now);

    public Fixed ChainHaircut(ChainId chain) => ChainHaircuts.TryGetValue(chain, out Fixed m) ? m : Fixed.One;
}
