using Clearing.Domain.Numerics;

namespace Clearing.Oracles.Sources;

/// <summary>
/// A price an operator sets by hand for one asset, with the time it is valid from: the fallback when on-chain feeds
/// are missing, and a third voice against two disagreeing feeds. Held in memory only: after a restart the feed has
/// no price until the operator sets one again (persisting it through the grain storage is later work).
/// The staleness rule applies to it like to any source, so a forgotten operator price ages out.
/// </summary>
public sealed class OperatorPriceFeed : IPriceSource
{
    private PriceObservation? current;

    public OperatorPriceFeed(string name, string asset)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(asset);
        Name = name;
        Asset = asset;
    }

    public string Name { get; }

    public string Asset { get; }

    /// <param name="price">USD per whole token, &gt; 0.</param>
    /// <param name="confidence">USD, ≥ 0: how far the operator vouches for the price.</param>
    /// <param name="publishTime">Unix seconds the operator states the price for.</param>
    public void Set(Fixed price, Fixed confidence, long publishTime)
    {
        if (!price.IsPositive)
        {
            throw new ArgumentOutOfRangeException(nameof(price), price, "An operator price must be positive.");
        }

        if (confidence.IsNegative)
        {
            throw new ArgumentOutOfRangeException(nameof(confidence), confidence, "A confidence must not be negative.");
        }

        if (publishTime <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(publishTime), publishTime, "A publish time is unix seconds after 1970.");
        }

        Volatile.Write(ref current, new PriceObservation(Asset, price, confidence, publishTime, Name));
    }

    /// <summary>Withdraws the operator's price; reads fail until the next <see cref="Set"/>.</summary>
    public void Clear() => Volatile.Write(ref current, null);

    public Task<PriceReading> ReadAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult(Volatile.Read(ref current) is { } observation
            ? PriceReading.Of(observation)
            : PriceReading.Failed(Name, Asset, "the operator has set no price"));
}
