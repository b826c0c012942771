using Clearing.Domain.Markets;
using Clearing.Domain.Numerics;

namespace Clearing.Oracles.Sources;

/// <summary>
/// One source's price for one asset as it published it: USD per whole token, the confidence it states (USD, ≥ 0;
/// zero for sources that publish none, such as Chainlink aggregators) and its publish time (unix seconds).
/// </summary>
public sealed record PriceObservation(string Asset, Fixed Price, Fixed Confidence, long PublishTime, string Source)
{
    public PriceQuote ToQuote() => new(Price, Confidence, PublishTime);
}

/// <summary>What a source returned when asked: an observation, or the reason it has none (RPC failure, a refused
/// answer, a malformed account). Exactly one of <see cref="Observation"/> and <see cref="FailureReason"/> is set.</summary>
public sealed record PriceReading
{
    private PriceReading(string source, string asset, PriceObservation? observation, string? failureReason)
    {
        Source = source;
        Asset = asset;
        Observation = observation;
        FailureReason = failureReason;
    }

    public string Source { get; }

    public string Asset { get; }

    public PriceObservation? Observation { get; }

    public string? FailureReason { get; }

    public bool Succeeded => Observation is not null;

    public static PriceReading Of(PriceObservation observation)
    {
        ArgumentNullException.ThrowIfNull(observation);
        if (!observation.Price.IsPositive)
        {
            return Failed(observation.Source, observation.Asset, $"price must be positive, was {observation.Price}");
        }

        if (observation.Confidence.IsNegative)
        {
            return Failed(observation.Source, observation.Asset, $"confidence must not be negative, was {observation.Confidence}");
        }

        return new(observation.Source, observation.Asset, observation, null);
    }

    public static PriceReading Failed(string source, string asset, string reason)
    {
        ArgumentException.ThrowIfNullOrEmpty(reason);
        return new(source, asset, null, reason);
    }

    public override string ToString() =>
        Observation is { } o ? $"{Source} {Asset} = {o.Price} ± {o.Confidence} @ {o.PublishTime}" : $"{Source} {Asset}: {FailureReason}";
}

/// <summary>A price source for one asset. Reads never throw for a source-side problem: they return a failed reading.</summary>
public interface IPriceSource
{
    /// <summary>Unique among an asset's sources; appears in results and reasons.</summary>
    string Name { get; }

    string Asset { get; }

    Task<PriceReading> ReadAsync(CancellationToken cancellationToken = default);
}
