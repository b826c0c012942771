using System.Text.Json;
using System.Text.RegularExpressions;
using Clearing.TestKit;

namespace Clearing.ServiceDefaults.Tests.Deploy;

/// <summary>The files under deploy/ that belong to operations (deploy/devnet and deploy/scripts are the demo's and CI's).</summary>
public static partial class DeployFiles
{
    public static string Folder => Path.Combine(RepoPaths.Root, "deploy");

    public static string Dashboard => Path.Combine(Folder, "grafana", "dashboards", "clearing.json");

    public static string PrometheusConfig => Path.Combine(Folder, "prometheus", "prometheus.yml");

    public static string AlertRules => Path.Combine(Folder, "prometheus", "rules", "clearing.yml");

    public static IEnumerable<string> WithExtensions(params string[] extensions) =>
        Directory.EnumerateFiles(Folder, "*", SearchOption.AllDirectories)
            .Where(path => !IsUnder(path, "devnet") && !IsUnder(path, "scripts") && !IsUnder(path, "secrets"))
            .Where(path => extensions.Contains(Path.GetExtension(path), StringComparer.Ordinal))
            .Order(StringComparer.Ordinal);

    /// <summary>Every PromQL expression of the dashboard's panels, with the panel title.</summary>
    public static IReadOnlyList<(string Panel, string Expression)> DashboardQueries()
    {
        using var dashboard = JsonDocument.Parse(File.ReadAllText(Dashboard));
        var queries = new List<(string, string)>();
        foreach (var panel in dashboard.RootElement.GetProperty("panels").EnumerateArray())
        {
            if (panel.GetProperty("type").GetString() == "row")
            {
                continue;
            }

            foreach (var target in panel.GetProperty("targets").EnumerateArray())
            {
                queries.Add((panel.GetProperty("title").GetString()!, target.GetProperty("expr").GetString()!));
            }
        }

        return queries;
    }

    /// <summary>Every alert expression of the Prometheus rules file.</summary>
    public static IReadOnlyList<string> AlertExpressions() =>
        [.. RuleExpression().Matches(File.ReadAllText(AlertRules)).Select(m => m.Groups[1].Value.Trim())];

    /// <summary>
    /// The metric names an expression reads: Clearing's (<c>clearing_…</c>) and the platform's we chart
    /// (<c>http_server_…</c>, <c>up</c>). Label names and functions never start with those prefixes.
    /// </summary>
    public static IReadOnlyList<string> MetricNames(string expression) =>
        [.. MetricName().Matches(expression).Select(m => m.Value).Distinct(StringComparer.Ordinal)];

    private static bool IsUnder(string path, string folder) =>
        Path.GetRelativePath(Folder, path).StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    [GeneratedRegex(@"\b(?:clearing|http_server)_[a-z0-9_]+\b")]
    private static partial Regex MetricName();

    [GeneratedRegex(@"^\s*expr:\s*(.+)$", RegexOptions.Multiline)]
    private static partial Regex RuleExpression();
}
