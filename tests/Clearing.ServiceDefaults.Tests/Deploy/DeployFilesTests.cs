using System.Text.Json;
using System.Text.RegularExpressions;
using Clearing.TestKit;
using YamlDotNet.RepresentationModel;

namespace Clearing.ServiceDefaults.Tests.Deploy;

/// <summary>
/// What can be checked here without Docker: every JSON and YAML file parses, the Dockerfile copies only what exists,
/// the compose file mounts only what exists (or what deploy/README.md tells the operator to create), and the dashboard
/// has a query on every panel and names only Clearing or ASP.NET Core metrics.
/// </summary>
public sealed partial class DeployFilesTests
{
    public static TheoryData<string> JsonFiles() => [.. JsonPaths()];

    public static TheoryData<string> YamlFiles() => [.. YamlPaths()];

    [Theory]
    [MemberData(nameof(JsonFiles))]
    public void Every_json_file_parses(string file)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Absolute(file)));
        Assert.Equal(JsonValueKind.Object, document.RootElement.ValueKind);
    }

    [Theory]
    [MemberData(nameof(YamlFiles))]
    public void Every_yaml_file_parses_to_a_mapping(string file)
    {
        var yaml = new YamlStream();
        using (var reader = new StringReader(File.ReadAllText(Absolute(file))))
        {
            yaml.Load(reader);
        }

        Assert.IsType<YamlMappingNode>(Assert.Single(yaml.Documents).RootNode);
    }

    [Fact]
    public void The_files_the_checks_cover_exist()
    {
        Assert.Contains("grafana/dashboards/clearing.json", JsonPaths());
        Assert.Contains("config/appsettings.Production.example.json", JsonPaths());
        Assert.Contains("compose.yaml", YamlPaths());
        Assert.Contains("otel-collector/config.yaml", YamlPaths());
        Assert.Contains("grafana/provisioning/dashboards/clearing.yaml", YamlPaths());
        Assert.True(File.Exists(Path.Combine(DeployFiles.Folder, "Dockerfile")));
    }

    [Fact]
    public void The_dockerfile_copies_only_paths_of_the_repository_and_every_project_the_server_needs()
    {
        var dockerfile = File.ReadAllText(Path.Combine(DeployFiles.Folder, "Dockerfile"));
        var sources = CopyInstruction().Matches(dockerfile)
            .SelectMany(m => m.Groups["args"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).SkipLast(1))
            .ToList();
        Assert.NotEmpty(sources);
        foreach (var source in sources)
        {
            var path = Path.Combine(RepoPaths.Root, source.TrimEnd('/'));
            Assert.True(File.Exists(path) || Directory.Exists(path), $"deploy/Dockerfile copies {source}, which is not in the repository");
        }

        // The restore layer copies every project file the server references, directly or not, so restore sees the whole graph.
        var copiedProjects = sources.Where(s => s.EndsWith(".csproj", StringComparison.Ordinal)).Select(s => Path.GetFileName(s)).ToHashSet(StringComparer.Ordinal);
        foreach (var project in ProjectClosure(Path.Combine(RepoPaths.Root, "src", "Clearing.Server", "Clearing.Server.csproj")))
        {
            Assert.Contains(Path.GetFileName(project), copiedProjects);
        }
    }

    [Fact]
    public void The_compose_file_mounts_and_builds_only_what_exists_or_what_the_operator_creates_from_an_example()
    {
        var compose = new YamlStream();
        using (var reader = new StringReader(File.ReadAllText(Path.Combine(DeployFiles.Folder, "compose.yaml"))))
        {
            compose.Load(reader);
        }

        var root = (YamlMappingNode)compose.Documents[0].RootNode;
        var services = (YamlMappingNode)root["services"];
        Assert.Equal(["postgres", "clearing", "otel-collector", "prometheus", "grafana"], services.Children.Keys.Select(k => k.ToString()));

        foreach (var (name, service) in services.Children.Select(c => (c.Key.ToString(), (YamlMappingNode)c.Value)))
        {
            if (service.Children.TryGetValue("volumes", out var volumes))
            {
                foreach (var volume in ((YamlSequenceNode)volumes).Select(v => v.ToString()))
                {
                    var source = volume.Split(':')[0];
                    if (source.StartsWith('.'))
                    {
                        AssertProvided(Path.GetFullPath(Path.Combine(DeployFiles.Folder, source)), $"{name} mounts {source}");
                    }
                }
            }

            if (service.Children.TryGetValue("build", out var build))
            {
                var context = Path.GetFullPath(Path.Combine(DeployFiles.Folder, ((YamlMappingNode)build)["context"].ToString()));
                Assert.Equal(Path.GetFullPath(RepoPaths.Root), context);
                Assert.True(File.Exists(Path.Combine(context, ((YamlMappingNode)build)["dockerfile"].ToString())));
            }
        }

        foreach (var secret in ((YamlMappingNode)root["secrets"]).Children.Values.Cast<YamlMappingNode>())
        {
            // Secrets live in deploy/secrets/ (git-ignored); the README lists each one.
            var file = secret["file"].ToString();
            Assert.StartsWith("./secrets/", file, StringComparison.Ordinal);
            Assert.Contains(Path.GetFileName(file), File.ReadAllText(Path.Combine(DeployFiles.Folder, "README.md")), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Every_dashboard_panel_queries_at_least_one_clearing_or_platform_metric()
    {
        using var dashboard = JsonDocument.Parse(File.ReadAllText(DeployFiles.Dashboard));
        var panels = dashboard.RootElement.GetProperty("panels").EnumerateArray().Where(p => p.GetProperty("type").GetString() != "row").ToList();
        Assert.True(panels.Count >= 20, $"{panels.Count} panels");
        foreach (var panel in panels)
        {
            var expressions = panel.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("expr").GetString()!).ToList();
            Assert.NotEmpty(expressions);
            Assert.All(expressions, e => Assert.NotEmpty(DeployFiles.MetricNames(e)));
            Assert.Equal("prometheus", panel.GetProperty("datasource").GetProperty("uid").GetString());
        }

        var provisioned = File.ReadAllText(Path.Combine(DeployFiles.Folder, "grafana", "provisioning", "datasources", "prometheus.yaml"));
        Assert.Contains("uid: prometheus", provisioned, StringComparison.Ordinal);
    }

    private static void AssertProvided(string path, string what)
    {
        if (File.Exists(path) || Directory.Exists(path))
        {
            return;
        }

        // appsettings.Production.json is the operator's copy of appsettings.Production.example.json.
        var example = Path.ChangeExtension(path, ".example" + Path.GetExtension(path));
        Assert.True(File.Exists(example), $"{what}: neither it nor {Path.GetFileName(example)} exists");
    }

    private static IEnumerable<string> ProjectClosure(string project)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([Path.GetFullPath(project)]);
        while (pending.TryPop(out var current))
        {
            if (!seen.Add(current))
            {
                continue;
            }

            foreach (Match reference in ProjectReference().Matches(File.ReadAllText(current)))
            {
                pending.Push(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(current)!, reference.Groups[1].Value.Replace('\\', '/'))));
            }
        }

        return seen;
    }

    private static List<string> JsonPaths() => [.. DeployFiles.WithExtensions(".json").Select(Relative)];

    private static List<string> YamlPaths() => [.. DeployFiles.WithExtensions(".yml", ".yaml").Select(Relative)];

    private static string Relative(string path) => Path.GetRelativePath(DeployFiles.Folder, path).Replace('\\', '/');

    private static string Absolute(string relative) => Path.Combine(DeployFiles.Folder, relative);

    [GeneratedRegex(@"^COPY\s+(?!--from)(?<args>.+)$", RegexOptions.Multiline)]
    private static partial Regex CopyInstruction();

    [GeneratedRegex(@"<ProjectReference Include=""([^""]+)""")]
    private static partial Regex ProjectReference();
}
