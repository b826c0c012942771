using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Clearing.Oracles.Aggregation;
using Clearing.Telemetry;

namespace Clearing.Oracles;

/// <summary>
/// Oracle gauges on Clearing's single Meter, by asset, from each asset's latest evaluation (every
/// <see cref="AssetOracle"/> reports it after a refresh): the age of the price the risk engine would use (the live
/// quote, else the last good one), measured on the oracle's clock when scraped; the divergence of the fresh sources
/// (largest |price − median| ÷ median); and whether the price is live. Binary floating point here is display only:
/// no margin decision reads these numbers.
/// </summary>
public static class OracleTelemetry
{
    private static readonly ConcurrentDictionary<string, (AssetPrice Price, TimeProvider Clock)> Latest = new(StringComparer.Ordinal);

    static OracleTelemetry()
    {
        ClearingTelemetry.Meter.CreateObservableGauge("clearing.oracle.price_age", AgeSeconds, "s",
            "Age of the asset's price the risk engine uses (live quote, else the last good one), from its publish time.");
        ClearingTelemetry.Meter.CreateObservableGauge("clearing.oracle.divergence", Divergence, "1",
            "Largest distance of a fresh source from the median, as a fraction of the median (0.02 = 2 %).");
        ClearingTelemetry.Meter.CreateObservableGauge("clearing.oracle.live", Live, unit: null,
            "1 when the asset's price is live (liquidations allowed), 0 when frozen or unavailable.");
    }

    /// <summary>Records the latest evaluation of <paramref name="price"/>'s asset; <paramref name="clock"/> measures its age at scrape time.</summary>
    public static void Observe(AssetPrice price, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(price);
        ArgumentNullException.ThrowIfNull(clock);
        Latest[price.Asset] = (price, clock);
    }

    private static IEnumerable<Measurement<long>> AgeSeconds()
    {
        foreach (var (asset, (price, clock)) in Latest)
        {
            if ((price.Quote ?? price.LastGood) is { } quote)
            {
                yield return new Measurement<long>(Math.Max(0, clock.GetUtcNow().ToUnixTimeSeconds() - quote.PublishTime), Asset(asset));
            }
        }
    }

    private static IEnumerable<Measurement<double>> Divergence()
    {
        foreach (var (asset, (price, _)) in Latest)
        {
            if (price.ObservedSpread is { } spread && price.ObservedMedian is { IsPositive: true } median)
            {
                yield return new Measurement<double>((double)spread.Raw / (double)median.Raw, Asset(asset));
            }
        }
    }

    private static IEnumerable<Measurement<int>> Live() =>
        Latest.Select(pair => new Measurement<int>(pair.Value.Price.Status == AssetPriceStatus.Live ? 1 : 0, Asset(pair.Key)));

    private static KeyValuePair<string, object?> Asset(string asset) => new("asset", asset);
}
