using System.Text;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Clearing.ServiceDefaults.Prometheus;

/// <summary>
/// A pull exporter for the OpenTelemetry SDK: each scrape asks the metric reader to collect, and the reader hands
/// the current cumulative values to <see cref="Export"/>, which renders them as Prometheus text. (The SDK's own
/// Prometheus exporter package is not in the registry copy reachable here; this is the same mechanism, written small.)
/// It is deliberately not marked <c>[ExportModes(ExportModes.Pull)]</c>: the SDK allows a pull-only exporter to collect
/// only inside its internal pull scope, which is reserved for its own Prometheus exporter. A plain
/// <see cref="BaseExportingMetricReader"/> never pushes on its own, so collection still happens only on a scrape.
/// </summary>
public sealed class PrometheusScrapeEndpoint : BaseExporter<Metric>
{
    private const int CollectTimeoutMilliseconds = 5_000;
    private readonly Lock scrapeGate = new();
    private StringBuilder? currentScrape;

    public PrometheusScrapeEndpoint()
    {
        Reader = new BaseExportingMetricReader(this) { TemporalityPreference = MetricReaderTemporalityPreference.Cumulative };
    }

    /// <summary>The reader to add to the MeterProvider (<c>AddReader</c>).</summary>
    public MetricReader Reader { get; }

    /// <summary>Collects every metric now and returns the exposition text. One scrape at a time.</summary>
    public string Scrape()
    {
        lock (scrapeGate)
        {
            currentScrape = new StringBuilder();
            try
            {
                if (!Reader.Collect(CollectTimeoutMilliseconds))
                {
                    throw new InvalidOperationException("The OpenTelemetry SDK did not collect metrics in time.");
                }

                return currentScrape.ToString();
            }
            finally
            {
                currentScrape = null;
            }
        }
    }

    public override ExportResult Export(in Batch<Metric> batch)
    {
        var output = currentScrape;
        if (output is null)
        {
            // A collect we did not start (the SDK's shutdown flush): there is no scraper to hand it to.
            return ExportResult.Success;
        }

        foreach (var metric in batch)
        {
            PrometheusTextFormat.Write(output, metric);
        }

        return ExportResult.Success;
    }
}
