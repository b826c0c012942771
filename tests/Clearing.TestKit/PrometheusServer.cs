using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace Clearing.TestKit;

/// <summary>
/// A real Prometheus (Debian's package) scraping the given targets every second, with its HTTP query API on a
/// free loopback port and its storage in a private temporary folder.
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    private readonly ChildProcess process;
    private readonly string folder;
    private readonly HttpClient http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private PrometheusServer(ChildProcess process, string folder, Uri url)
    {
        this.process = process;
        this.folder = folder;
        Url = url;
    }

    public Uri Url { get; }

    public static async Task<PrometheusServer> StartAsync(string job, IEnumerable<string> targets)
    {
        var binary = Command.FindOnPath("prometheus") ?? throw new MissingPrerequisiteException("Prometheus (prometheus)", "apt-get install -y prometheus");
        var folder = Directory.CreateTempSubdirectory("clearing-prometheus-").FullName;
        var config = Path.Combine(folder, "prometheus.yml");
        var targetList = string.Join(", ", targets.Select(t => $"'{t}'"));
        await File.WriteAllTextAsync(config, $$"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: {{job}}
                static_configs:
                  - targets: [{{targetList}}]
            """).ConfigureAwait(false);
        var port = FreePort.Next();
        var child = ChildProcess.Start(binary,
        [
            $"--config.file={config}",
            $"--storage.tsdb.path={Path.Combine(folder, "data")}",
            $"--web.listen-address=127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}",
        ]);
        try
        {
            await child.WaitForLineAsync(line => line.Contains("Server is ready to receive web requests", StringComparison.Ordinal), TimeSpan.FromSeconds(60), "Prometheus to be ready")
                .ConfigureAwait(false);
            var url = new Uri($"http://127.0.0.1:{port}");
            var version = (await Command.RunAsync(binary, ["--version"], TimeSpan.FromSeconds(10)).ConfigureAwait(false)).Split('\n')[0];
            ComponentLog.Started("prometheus", version, url.ToString());
            return new PrometheusServer(child, folder, url);
        }
        catch
        {
            await child.DisposeAsync().ConfigureAwait(false);
            Directory.Delete(folder, recursive: true);
            throw;
        }
    }

    /// <summary>Runs an instant query through Prometheus' HTTP API and returns its result vector.</summary>
    public async Task<JsonElement> QueryAsync(string promQl)
    {
        var body = await http.GetFromJsonAsync<JsonElement>(new Uri(Url, "/api/v1/query?query=" + Uri.EscapeDataString(promQl))).ConfigureAwait(false);
        if (body.GetProperty("status").GetString() != "success")
        {
            throw new InvalidOperationException($"Prometheus query {promQl} failed: {body}");
        }

        return body.GetProperty("data").GetProperty("result").Clone();
    }

    /// <summary>The scrape targets as Prometheus sees them (health, last error), for failure messages.</summary>
    public async Task<string> TargetsAsync() => await http.GetStringAsync(new Uri(Url, "/api/v1/targets")).ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        http.Dispose();
        await process.DisposeAsync().ConfigureAwait(false);
        Directory.Delete(folder, recursive: true);
    }
}
