using System.Diagnostics.Metrics;
using Clearing.ServiceDefaults.Prometheus;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Clearing.ServiceDefaults.Tests;

/// <summary>The exposition text for instruments recorded through the real OpenTelemetry SDK.</summary>
public sealed class PrometheusTextFormatTests : IDisposable
{
    private readonly Meter meter = new("Clearing.Tests." + Guid.NewGuid().ToString("N"));
    private readonly PrometheusScrapeEndpoint endpoint = new();
    private readonly MeterProvider provider;

    public PrometheusTextFormatTests()
    {
        provider = Sdk.CreateMeterProviderBuilder().AddMeter(meter.Name).AddReader(endpoint.Reader).Build();
    }

    [Theory]
    [InlineData("clearing.deposits.credited", "{deposit}", "clearing_deposits_credited")]
    [InlineData("http.server.request.duration", "s", "http_server_request_duration_seconds")]
    [InlineData("process.memory.usage", "By", "process_memory_usage_bytes")]
    [InlineData("clearing.accounts.utilization", "1", "clearing_accounts_utilization_ratio")]
    [InlineData("clearing.accounts.health_ratio", "1", "clearing_accounts_health_ratio")]
    [InlineData("clearing.rpc.rate", "{request}/s", "clearing_rpc_rate_per_second")]
    [InlineData("clearing.chain.lag", "", "clearing_chain_lag")]
    [InlineData("9lives-and.dashes", null, "_9lives_and_dashes")]
    public void Instrument_names_and_units_map_to_prometheus_names(string instrument, string? unit, string expected) =>
        Assert.Equal(expected, PrometheusTextFormat.MetricName(instrument, unit));

    [Fact]
    public void A_counter_is_exposed_with_total_suffix_help_and_labels()
    {
        var counter = meter.CreateCounter<long>("clearing.deposits.credited", "{deposit}", "Deposits credited at finality.");
        counter.Add(3, new("chain", "ethereum"), new("asset", "USDC"));
        counter.Add(2, new("chain", "solana"), new("asset", "SOL"));

        var text = endpoint.Scrape();

        Assert.Contains("# HELP clearing_deposits_credited_total Deposits credited at finality.\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE clearing_deposits_credited_total counter\n", text, StringComparison.Ordinal);
        // The SDK keeps a metric point's tags sorted by key, so labels come out in key order.
        Assert.Contains("clearing_deposits_credited_total{asset=\"USDC\",chain=\"ethereum\"} 3 ", text, StringComparison.Ordinal);
        Assert.Contains("clearing_deposits_credited_total{asset=\"SOL\",chain=\"solana\"} 2 ", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_counter_whose_name_ends_in_total_gets_the_suffix_once()
    {
        meter.CreateCounter<long>("clearing.retries.total", "{retry}").Add(2);

        var text = endpoint.Scrape();

        Assert.Contains("# TYPE clearing_retries_total counter\n", text, StringComparison.Ordinal);
        Assert.Contains("clearing_retries_total 2 ", text, StringComparison.Ordinal);
        Assert.DoesNotContain("_total_total", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Counters_are_cumulative_across_scrapes()
    {
        var counter = meter.CreateCounter<long>("clearing.liquidations", "{liquidation}");
        counter.Add(1);
        endpoint.Scrape();
        counter.Add(4);

        Assert.Contains("clearing_liquidations_total 5 ", endpoint.Scrape(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_histogram_has_cumulative_buckets_ending_in_inf_with_sum_and_count()
    {
        var histogram = meter.CreateHistogram<double>("clearing.rpc.duration", "s");
        histogram.Record(0.5);
        histogram.Record(7);
        histogram.Record(7);

        var text = endpoint.Scrape();

        Assert.Contains("# TYPE clearing_rpc_duration_seconds histogram\n", text, StringComparison.Ordinal);
        // The SDK's default explicit bounds are 0, 5, 10, 25, ...: 0.5 falls in (0, 5], both 7s in (5, 10].
        Assert.Contains("clearing_rpc_duration_seconds_bucket{le=\"0\"} 0 ", text, StringComparison.Ordinal);
        Assert.Contains("clearing_rpc_duration_seconds_bucket{le=\"5\"} 1 ", text, StringComparison.Ordinal);
        Assert.Contains("clearing_rpc_duration_seconds_bucket{le=\"10\"} 3 ", text, StringComparison.Ordinal);
        Assert.Contains("clearing_rpc_duration_seconds_bucket{le=\"+Inf\"} 3 ", text, StringComparison.Ordinal);
        Assert.Contains("clearing_rpc_duration_seconds_sum 14.5 ", text, StringComparison.Ordinal);
        Assert.Contains("clearing_rpc_duration_seconds_count 3 ", text, StringComparison.Ordinal);
    }

    [Fact]
    public void An_up_down_counter_is_a_gauge()
    {
        var pending = meter.CreateUpDownCounter<long>("clearing.deposits.pending", "{deposit}");
        pending.Add(5);
        pending.Add(-2);

        var text = endpoint.Scrape();

        Assert.Contains("# TYPE clearing_deposits_pending gauge\n", text, StringComparison.Ordinal);
        Assert.Contains("clearing_deposits_pending 3 ", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Label_values_are_escaped()
    {
        var counter = meter.CreateCounter<long>("clearing.errors");
        counter.Add(1, new KeyValuePair<string, object?>("reason", "bad \"quote\" \\ and\nnewline"));

        Assert.Contains("clearing_errors_total{reason=\"bad \\\"quote\\\" \\\\ and\\nnewline\"} 1 ", endpoint.Scrape(), StringComparison.Ordinal);
    }

    public void Dispose()
    {
        provider.Dispose();
        meter.Dispose();
    }
}
