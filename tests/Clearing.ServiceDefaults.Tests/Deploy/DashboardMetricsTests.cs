using Clearing.ServiceDefaults.Tests.Service;

namespace Clearing.ServiceDefaults.Tests.Deploy;

/// <summary>The dashboard and the alert rules name only series that a running service actually exports on /metrics.</summary>
[Collection(ServiceTestCollection.Name)]
public sealed class DashboardMetricsTests
{
    [Fact]
    public async Task Every_metric_the_dashboard_and_the_alert_rules_query_is_exported_by_a_running_service()
    {
        await using var service = await ClearingTestService.StartAsync();
        await OperationsActivity.ProduceAsync(service);

        var exported = SeriesNames(await service.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative)));
        var queried = DeployFiles.DashboardQueries().SelectMany(q => DeployFiles.MetricNames(q.Expression))
            .Concat(DeployFiles.AlertExpressions().SelectMany(DeployFiles.MetricNames))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.True(queried.Count >= 20, $"only {queried.Count} metric names found in the dashboard and rules");
        var missing = queried.Where(name => !exported.Contains(name)).ToList();
        Assert.True(missing.Count == 0, $"queried but not exported: {string.Join(", ", missing)}; exported: {string.Join(", ", exported.Order(StringComparer.Ordinal))}");
    }

    /// <summary>The names of the samples in a text exposition (comments skipped).</summary>
    internal static HashSet<string> SeriesNames(string exposition) =>
        exposition.Split('\n')
            .Where(line => line.Length > 0 && line[0] != '#')
            .Select(line => line[..line.IndexOfAny(['{', ' '])])
            .ToHashSet(StringComparer.Ordinal);
}
