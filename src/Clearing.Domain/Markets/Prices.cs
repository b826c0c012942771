using Clearing.Domain.Numerics;

namespace Clearing.Domain.Markets;

/// <summary>An oracle price as published: USD per whole token, its confidence interval (USD, ≥ 0) and its
/// publish time (unix seconds). "Now" is never read here; it is a parameter of <see cref="PricePolicy.Adjust"/>.</summary>
public readonly record struct PriceQuote(Fixed Price, Fixed Confidence, long PublishTime)
{
    public static PriceQuote Exact(Fixed price) => new(price, Fixed.Zero, 0);
}

public enum PriceStatus
{
    Fresh,

    /// <summary>Older than the policy's maximum age.</summary>
    Stale,

    /// <summary>Confidence wider than the policy allows relative to the price.</summary>
    Uncertain,
}

/// <summary>A quote after the policy: the prices used for assets (<see cref="Low"/>) and liabilities
/// (<see cref="High"/>), and whether the price may back new risk.</summary>
public readonly record struct AdjustedPrice(Fixed Mid, Fixed Low, Fixed High, PriceStatus Status)
{
    public bool AllowsNewRisk => Status == PriceStatus.Fresh;

    public static AdjustedPrice Exact(Fixed price) => new(price, price, price, PriceStatus.Fresh);
}

/// <summary>
/// The price policy, in one place:
/// <list type="number">
/// <item>Collateral is valued at price − confidence, liabilities (debts, short exposure) at price + confidence.</item>
/// <item>A price older than <see cref="MaxAgeSeconds"/> is <see cref="PriceStatus.Stale"/>; one whose confidence
/// exceeds <see cref="MaxConfidenceRatio"/> × price is <see cref="PriceStatus.Uncertain"/>. Neither allows new
/// risk: initial health counts that asset's positive contribution as zero and a pre-trade check rejects an
/// order on it.</item>
/// <item>Maintenance (and liquidation-end) health keep using the last good price, but a stale price's band
/// widens with age: beyond the maximum age the band grows by <see cref="StaleWideningPerSecond"/> × price per
/// second, capped at <see cref="MaxStaleWidening"/> × price. An old price therefore makes collateral worth less
/// and debts worth more, never the reverse.</item>
/// <item>A publish time in the future (clock skew between sources) counts as age zero.</item>
/// </list>
/// </summary>
public sealed record PricePolicy(long MaxAgeSeconds, Fixed MaxConfidenceRatio, Fixed StaleWideningPerSecond, Fixed MaxStaleWidening)
{
    /// <summary>Never stale, any confidence accepted, no widening: the base model (and the calculator's default).</summary>
    public static PricePolicy Unguarded { get; } = new(long.MaxValue, Fixed.MaxValue, Fixed.Zero, Fixed.Zero);

    public AdjustedPrice Adjust(in PriceQuote quote, long now)
    {
        if (!quote.Price.IsPositive)
        {
            throw new ArgumentOutOfRangeException(nameof(quote), $"Price must be positive, was {quote.Price}.");
        }

        if (quote.Confidence.IsNegative)
        {
            throw new ArgumentOutOfRangeException(nameof(quote), $"Confidence must not be negative, was {quote.Confidence}.");
        }

        long age = Math.Max(0, now - quote.PublishTime);
        PriceStatus status = PriceStatus.Fresh;
        Fixed band = quote.Confidence;
        if (age > MaxAgeSeconds)
        {
            status = PriceStatus.Stale;
            Fixed widening = Fixed.Min(MaxStaleWidening, StaleWideningPerSecond.MulInt(age - MaxAgeSeconds));
            band += quote.Price.MulRoundUp(widening);
        }
        else if (MaxConfidenceRatio != Fixed.MaxValue && quote.Confidence > quote.Price.MulRoundDown(MaxConfidenceRatio))
        {
            status = PriceStatus.Uncertain;
        }

        Fixed low = Fixed.Max(Fixed.Zero, quote.Price - band);
        return new AdjustedPrice(quote.Price, low, quote.Price + band, status);
    }
}
