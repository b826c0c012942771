using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Clearing.ServiceDefaults.Tests.Deploy;
using Clearing.ServiceDefaults.Tests.Service;
using Clearing.TestKit;

namespace Clearing.ServiceDefaults.Tests;

/// <summary>
/// Debian's real Prometheus scrapes the running service (member API, grains, operations collector over SQLite) and
/// answers queries about it: a product metric reads back with its value, every dashboard query and alert expression
/// evaluates without error, and every metric they name is a series Prometheus holds. Debian's promtool lints the
/// exposition and checks the deploy configuration.
/// </summary>
[Trait("RealComponent", "true")]
[Collection(ServiceTestCollection.Name)]
public sealed class PrometheusScrapeTests
{
    [Fact]
    public async Task Prometheus_scrapes_the_service_reads_product_metrics_and_evaluates_every_dashboard_query()
    {
        await using var service = await ClearingTestService.StartAsync();
        await OperationsActivity.ProduceAsync(service);
        for (var i = 0; i < 3; i++)
        {
            (await service.Http.GetAsync(new Uri("/health", UriKind.Relative))).EnsureSuccessStatusCode();
        }

        await using var prometheus = await PrometheusServer.StartAsync("clearing", [service.Address.Authority]);
        await Wait.UntilAsync(
            async () => SingleValue(await prometheus.QueryAsync("up{job=\"clearing\"}")) == 1,
            TimeSpan.FromSeconds(60),
            "Prometheus to scrape the service successfully (up == 1): target " + service.Address);

        // Product metrics: the deposit credited through the account grain, the seizure paid through the outbox.
        Assert.Equal(1, SingleValue(await prometheus.QueryAsync(
            "clearing_deposits_credited_total{job=\"clearing\",chain=\"evm-1\",asset=\"USDC\",destination=\"account\"}")));
        Assert.Equal(2_500_000, SingleValue(await prometheus.QueryAsync(
            "clearing_liquidations_seized_total{job=\"clearing\",chain=\"evm-1\",asset=\"USDC\"}")));
        var healthRequests = SingleValue(await prometheus.QueryAsync(
            "sum(http_server_request_duration_seconds_count{job=\"clearing\",http_route=\"/health\"})"));
        Assert.True(healthRequests >= 3, $"Prometheus saw {healthRequests} requests to /health; targets: {await prometheus.TargetsAsync()}");

        // Every query of the dashboard and the alert rules parses and evaluates in the real Prometheus (QueryAsync
        // throws on an error), and every metric it names is a series Prometheus holds.
        var expressions = DeployFiles.DashboardQueries().Select(q => q.Expression).Concat(DeployFiles.AlertExpressions()).ToList();
        foreach (var expression in expressions)
        {
            await prometheus.QueryAsync(expression);
        }

        foreach (var metric in expressions.SelectMany(DeployFiles.MetricNames).Distinct(StringComparer.Ordinal))
        {
            Assert.True((await prometheus.QueryAsync($"count({metric})")).GetArrayLength() == 1, $"Prometheus holds no series {metric}");
        }
    }

    [Fact]
    public async Task Promtool_finds_the_exposition_of_the_running_service_well_formed()
    {
        var promtool = Command.FindOnPath("promtool") ?? throw new MissingPrerequisiteException("promtool (Debian's prometheus package)", "apt-get install -y prometheus");
        await using var service = await ClearingTestService.StartAsync();
        await OperationsActivity.ProduceAsync(service);
        var exposition = await service.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative));

        var (_, output) = await RunWithInputAsync(promtool, ["check", "metrics"], exposition);

        // A parse error stops the lint ("error while linting: text format parsing error …"): the exposition must have none.
        Assert.DoesNotContain("error", output, StringComparison.OrdinalIgnoreCase);
        // Lint findings: none for Clearing's metrics or ASP.NET Core's request metrics. The .NET runtime's own
        // instruments dotnet.assembly.count, dotnet.process.cpu.count and dotnet.timer.count keep their OpenTelemetry
        // names, whose "_count" suffix promtool reserves for histograms; renaming them would break the standard mapping.
        var findings = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(findings, finding => Assert.Matches(@"^dotnet_(assembly|process_cpu|timer)_count ", finding));
        Assert.Contains("clearing_deposits_credited_total", exposition, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Promtool_accepts_the_deploy_prometheus_config_and_its_alert_rules()
    {
        var promtool = Command.FindOnPath("promtool") ?? throw new MissingPrerequisiteException("promtool (Debian's prometheus package)", "apt-get install -y prometheus");

        var output = await Command.RunAsync(promtool, ["check", "config", DeployFiles.PrometheusConfig], TimeSpan.FromSeconds(60));

        Assert.Contains("SUCCESS", output, StringComparison.Ordinal);
        Assert.Contains("rule files found", output, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Output)> RunWithInputAsync(string fileName, IEnumerable<string> arguments, string input)
    {
        var info = new ProcessStartInfo(fileName) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(input);
        process.StandardInput.Close();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(deadline.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    private static double SingleValue(JsonElement vector) =>
        vector.GetArrayLength() == 1
            ? double.Parse(vector[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture)
            : double.NaN;
}
