using System.Globalization;
using Clearing.Domain.Markets;
using Clearing.Domain.Numerics;
using Clearing.Oracles.Sources;

namespace Clearing.Oracles.Aggregation;

/// <summary>
/// The per-asset rules: at least <see cref="MinimumFreshSources"/> fresh sources for a price, freeze when the
/// sources' spread exceeds <see cref="DivergenceThresholdBps"/> basis points (1/10,000) of their median, and refuse
/// a reading published more than <see cref="MaxFutureSkewSeconds"/> ahead of now.
/// </summary>
public sealed record AggregationRules
{
    /// <summary>Clock skew tolerated between a source and us, in seconds, unless the rules say otherwise.</summary>
    public const long DefaultMaxFutureSkewSeconds = 10;

    public AggregationRules(int minimumFreshSources, int divergenceThresholdBps, long maxFutureSkewSeconds = DefaultMaxFutureSkewSeconds)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minimumFreshSources, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(divergenceThresholdBps);
        ArgumentOutOfRangeException.ThrowIfNegative(maxFutureSkewSeconds);
        MinimumFreshSources = minimumFreshSources;
        DivergenceThresholdBps = divergenceThresholdBps;
        MaxFutureSkewSeconds = maxFutureSkewSeconds;
    }

    public int MinimumFreshSources { get; }

    public int DivergenceThresholdBps { get; }

    /// <summary>A publish time further ahead than this is refused: it would otherwise count as fresh until the
    /// clock caught up with it, keeping a dead source alive (a feed stamped a year ahead would be fresh for a year).</summary>
    public long MaxFutureSkewSeconds { get; }
}

/// <summary>A source's reading with the heartbeat (seconds) beyond which its publish time makes it stale.</summary>
public readonly record struct SourceSample(PriceReading Reading, long HeartbeatSeconds);

/// <summary>
/// The aggregation of one asset's source readings, pure (no IO, no clock: "now" is a parameter) and deterministic:
/// <list type="number">
/// <item>Fresh: a successful reading for the asset whose age (now − publish time) is at most its source's heartbeat.
/// A publish time ahead of now by at most the tolerated skew counts as age 0 (as in Domain's PricePolicy); further
/// ahead it is refused. Others are excluded with a reason.</item>
/// <item>Fewer fresh readings than the minimum: <see cref="AssetPriceStatus.Unavailable"/>, no price.</item>
/// <item>Median of the fresh prices: the middle one for an odd count; for an even count the mean of the two middle
/// ones, rounded toward −∞ at 10^-18 USD (the half unit lost is covered by the confidence below, which is measured
/// from the rounded median).</item>
/// <item>Spread = the largest |price − median| among the fresh readings. Confidence = max(largest stated confidence,
/// spread): the band median ± confidence contains every price used.</item>
/// <item>Publish time = the oldest publish time among the fresh readings: an aggregate is as old as its oldest input.</item>
/// <item>Spread &gt; median × threshold / 10,000 (the threshold rounded down, so a borderline case freezes):
/// <see cref="AssetPriceStatus.Frozen"/>, the last good quote is kept for valuation and liquidations are refused.
/// Otherwise <see cref="AssetPriceStatus.Live"/>, and the new quote becomes the last good one; recovery from a freeze
/// needs nothing more than one evaluation within the threshold.</item>
/// </list>
/// </summary>
public static class PriceAggregation
{
    private const int BasisPointsPerUnit = 10_000;

    public static AssetPrice Aggregate(string asset, AggregationRules rules, IReadOnlyList<SourceSample> samples, long now, PriceQuote? lastGood)
    {
        ArgumentException.ThrowIfNullOrEmpty(asset);
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(samples);

        var verdicts = new List<SourceVerdict>(samples.Count);
        var fresh = new List<PriceObservation>(samples.Count);
        foreach (var (reading, heartbeat) in samples)
        {
            if (reading.Observation is not { } observation)
            {
                verdicts.Add(new SourceVerdict(reading.Source, SourceUse.Failed, null, reading.FailureReason));
                continue;
            }

            if (!string.Equals(observation.Asset, asset, StringComparison.Ordinal))
            {
                verdicts.Add(new SourceVerdict(reading.Source, SourceUse.Failed, observation, $"observation is for {observation.Asset}, not {asset}"));
                continue;
            }

            if (observation.PublishTime - now > rules.MaxFutureSkewSeconds)
            {
                verdicts.Add(new SourceVerdict(reading.Source, SourceUse.Failed, observation,
                    Invariant($"published {observation.PublishTime - now} s in the future, at most {rules.MaxFutureSkewSeconds} s tolerated")));
                continue;
            }

            long age = Math.Max(0, now - observation.PublishTime);
            if (age > heartbeat)
            {
                verdicts.Add(new SourceVerdict(reading.Source, SourceUse.Stale, observation, Invariant($"published {age} s ago, heartbeat {heartbeat} s")));
                continue;
            }

            verdicts.Add(new SourceVerdict(reading.Source, SourceUse.Used, observation, null));
            fresh.Add(observation);
        }

        if (fresh.Count < rules.MinimumFreshSources)
        {
            return new AssetPrice(asset, AssetPriceStatus.Unavailable, null, lastGood, now, null, null,
                Invariant($"{fresh.Count} fresh source(s), at least {rules.MinimumFreshSources} required"), verdicts);
        }

        Fixed median = Median(fresh.Select(o => o.Price));
        Fixed spread = Fixed.Zero;
        Fixed statedConfidence = Fixed.Zero;
        long publishTime = long.MaxValue;
        foreach (var observation in fresh)
        {
            spread = Fixed.Max(spread, (observation.Price - median).Abs());
            statedConfidence = Fixed.Max(statedConfidence, observation.Confidence);
            publishTime = Math.Min(publishTime, observation.PublishTime);
        }

        Fixed threshold = DivergenceThreshold(median, rules.DivergenceThresholdBps);
        if (spread > threshold)
        {
            string reason = Invariant($"sources diverge: spread {spread} exceeds {rules.DivergenceThresholdBps} bps of median {median} ({threshold})")
                + (lastGood is null ? "; no earlier good price to keep" : "; last good price kept, liquidations refused");
            return new AssetPrice(asset, AssetPriceStatus.Frozen, lastGood, lastGood, now, median, spread, reason, verdicts);
        }

        var quote = new PriceQuote(median, Fixed.Max(statedConfidence, spread), publishTime);
        return new AssetPrice(asset, AssetPriceStatus.Live, quote, quote, now, median, spread, null, verdicts);
    }

    /// <summary>The median as documented on the class: odd count the middle, even count the mean of the middle two rounded down.</summary>
    public static Fixed Median(IEnumerable<Fixed> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            throw new ArgumentException("The median of no values is undefined.", nameof(values));
        }

        int middle = sorted.Length / 2;
        if (sorted.Length % 2 == 1)
        {
            return sorted[middle];
        }

        // low + (high − low) / 2 cannot overflow; with high ≥ low the truncating division is a floor.
        Int128 low = sorted[middle - 1].Raw;
        Int128 high = sorted[middle].Raw;
        return Fixed.FromRaw(low + ((high - low) / 2));
    }

    /// <summary>median × bps / 10,000, rounded down (bps / 10,000 is exact at 18 decimals).</summary>
    public static Fixed DivergenceThreshold(Fixed median, int basisPoints) =>
        median.MulRoundDown(Fixed.FromRatio(basisPoints, BasisPointsPerUnit, Rounding.Down));

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
