using Clearing.Domain.Markets;
using Clearing.Domain.Numerics;
using Clearing.Oracles.Sources;

namespace Clearing.Oracles.Aggregation;

/// <summary>How an asset's price stands after one evaluation.</summary>
public enum AssetPriceStatus
{
    /// <summary>Enough fresh sources that agree: <see cref="AssetPrice.Quote"/> is their aggregate.</summary>
    Live,

    /// <summary>The fresh sources disagree beyond the threshold: <see cref="AssetPrice.Quote"/> is the last live
    /// quote (null if there never was one), good for valuation, never for liquidation.</summary>
    Frozen,

    /// <summary>Fewer fresh sources than the minimum: no price (<see cref="AssetPrice.Quote"/> is null).</summary>
    Unavailable,
}

/// <summary>What became of one source in an evaluation.</summary>
public enum SourceUse
{
    /// <summary>Fresh, counted in the median.</summary>
    Used,

    /// <summary>Older than its heartbeat; excluded.</summary>
    Stale,

    /// <summary>No observation (RPC failure, refused answer, wrong asset); excluded.</summary>
    Failed,
}

public sealed record SourceVerdict(string Source, SourceUse Use, PriceObservation? Observation, string? Reason);

/// <summary>
/// One asset's price after aggregation, as the risk engine consumes it: <see cref="Quote"/> is the price to value with
/// (Domain's <see cref="PriceQuote"/>: price, confidence, publish time; the risk engine applies <see cref="PricePolicy"/>
/// to it), <see cref="LiquidationsAllowed"/> says whether a liquidation may act on it.
/// </summary>
public sealed record AssetPrice(
    string Asset,
    AssetPriceStatus Status,
    PriceQuote? Quote,
    PriceQuote? LastGood,
    long EvaluatedAt,
    Fixed? ObservedMedian,
    Fixed? ObservedSpread,
    string? Reason,
    IReadOnlyList<SourceVerdict> Sources)
{
    public bool Frozen => Status == AssetPriceStatus.Frozen;

    /// <summary>Only a live price may trigger or size a liquidation; a frozen or missing one never does.</summary>
    public bool LiquidationsAllowed => Status == AssetPriceStatus.Live;
}
