using Clearing.Domain.Markets;
using Clearing.Oracles.Sources;

namespace Clearing.Oracles.Aggregation;

/// <summary>One of an asset's sources with its heartbeat: a reading published longer ago than this is stale.</summary>
public sealed record OracleSource(IPriceSource Source, long HeartbeatSeconds);

/// <summary>
/// One asset's oracle: reads every source concurrently, then aggregates them with <see cref="PriceAggregation"/> at the
/// clock's "now" (taken after the reads, so the age is measured when the price is decided). Holds the last good
/// quote that a freeze keeps. Refreshes are serialized so a slow refresh cannot overwrite a newer one's last good quote.
/// </summary>
public sealed class AssetOracle : IDisposable
{
    private readonly IReadOnlyList<OracleSource> sources;
    private readonly AggregationRules rules;
    private readonly TimeProvider time;
    private readonly SemaphoreSlim refreshGate = new(1, 1);
    private PriceQuote? lastGood;
    private AssetPrice? latest;

    public AssetOracle(string asset, IReadOnlyList<OracleSource> sources, AggregationRules rules, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrEmpty(asset);
        ArgumentNullException.ThrowIfNull(sources);
        this.rules = rules ?? throw new ArgumentNullException(nameof(rules));
        this.time = time ?? throw new ArgumentNullException(nameof(time));
        if (sources.Count < rules.MinimumFreshSources)
        {
            throw new ArgumentException($"{asset}: {sources.Count} source(s) can never meet the minimum of {rules.MinimumFreshSources}.", nameof(sources));
        }

        foreach (var source in sources)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(source.HeartbeatSeconds, 1, nameof(sources));
            if (!string.Equals(source.Source.Asset, asset, StringComparison.Ordinal))
            {
                throw new ArgumentException($"Source {source.Source.Name} prices {source.Source.Asset}, not {asset}.", nameof(sources));
            }
        }

        if (sources.Select(s => s.Source.Name).Distinct(StringComparer.Ordinal).Count() != sources.Count)
        {
            throw new ArgumentException($"{asset}: source names must be unique.", nameof(sources));
        }

        Asset = asset;
        this.sources = [.. sources];
    }

    public string Asset { get; }

    /// <summary>The result of the last completed refresh, or null before the first.</summary>
    public AssetPrice? Latest => Volatile.Read(ref latest);

    public async Task<AssetPrice> RefreshAsync(CancellationToken cancellationToken = default)
    {
        await refreshGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var readings = await Task.WhenAll(sources.Select(s => ReadGuardedAsync(s.Source, cancellationToken))).ConfigureAwait(false);
            var samples = readings.Select((reading, i) => new SourceSample(reading, sources[i].HeartbeatSeconds)).ToArray();
            long now = time.GetUtcNow().ToUnixTimeSeconds();
            var price = PriceAggregation.Aggregate(Asset, rules, samples, now, lastGood);
            lastGood = price.LastGood;
            Volatile.Write(ref latest, price);
            OracleTelemetry.Observe(price, time);
            return price;
        }
        finally
        {
            refreshGate.Release();
        }
    }

    public void Dispose() => refreshGate.Dispose();

    /// <summary>A source that throws is one failed reading, not a failed asset: the other sources still count.</summary>
    private static async Task<PriceReading> ReadGuardedAsync(IPriceSource source, CancellationToken cancellationToken)
    {
        try
        {
            return await source.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return PriceReading.Failed(source.Name, source.Asset, $"read threw {e.GetType().Name}: {e.Message}");
        }
    }
}
