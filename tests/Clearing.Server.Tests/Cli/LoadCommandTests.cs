using System.Text.Json;
using Clearing.Server.Cli;
using Clearing.TestKit;

namespace Clearing.Server.Tests.Cli;

/// <summary><c>clearing load</c>: a short self-contained run on real PostgreSQL reports every endpoint and no errors; the mix parser and percentiles.</summary>
[Trait("RealComponent", "true")]
public sealed class LoadCommandTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IDisposable
{
    private readonly DirectoryInfo folder = Directory.CreateTempSubdirectory("clearing-load-test-");

    [Fact]
    public async Task Short_self_contained_run_reports_each_endpoint_with_latencies_and_no_errors()
    {
        var database = await postgres.CreateDatabaseAsync();
        var json = Path.Combine(folder.FullName, "load.json");

        // Equal shares, so each endpoint draws requests even in a short run on a loaded machine.
        var run = await ClearingProcess.RunAsync("load", "--postgres", database, "--duration", "3", "--concurrency", "4", "--accounts-count", "4", "--mix", "get=1,trade=1,withdraw=1", "--json", json);

        Assert.True(run.ExitCode == 0, run.StandardOutput + run.StandardError);
        Assert.Contains("req/s", run.StandardOutput, StringComparison.Ordinal);
        var report = JsonDocument.Parse(File.ReadAllText(json)).RootElement;
        Assert.Equal(4, report.GetProperty("concurrency").GetInt32());
        var endpoints = report.GetProperty("endpoints").EnumerateArray().ToDictionary(e => e.GetProperty("endpoint").GetString()!);
        Assert.Equal([LoadMix.Trade, LoadMix.Get, LoadMix.Withdraw], endpoints.Keys);
        foreach (var endpoint in endpoints.Values.Append(report.GetProperty("total")))
        {
            Assert.True(endpoint.GetProperty("requests").GetInt64() > 0, endpoint.ToString());
            Assert.True(endpoint.GetProperty("requestsPerSecond").GetDouble() > 0);
            Assert.InRange(endpoint.GetProperty("p50Ms").GetDouble(), double.Epsilon, endpoint.GetProperty("p99Ms").GetDouble());
            Assert.Empty(endpoint.GetProperty("errors").EnumerateObject());
        }
    }

    [Fact]
    public async Task Run_without_a_target_is_refused_with_exit_code_2()
    {
        var run = await ClearingProcess.RunAsync("load", "--duration", "1");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--url", run.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("get=60,trade=30,withdraw=10", true)]
    [InlineData("get=1", true)]
    [InlineData("get=0,trade=0", false)]
    [InlineData("read=5", false)]
    [InlineData("get=-1", false)]
    [InlineData("get", false)]
    public void Mix_accepts_non_negative_shares_of_known_requests(string mix, bool valid)
    {
        Assert.Equal(valid, LoadMix.TryParse(mix, out _, out var error));
        Assert.Equal(valid, error is null);
    }

    [Theory]
    [InlineData(0.50, 5)]
    [InlineData(0.99, 10)]
    [InlineData(0.10, 1)]
    public void Percentile_is_the_nearest_rank(double quantile, double expected) =>
        Assert.Equal(expected, LoadRunner.Percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], quantile));

    public void Dispose() => folder.Delete(recursive: true);
}
