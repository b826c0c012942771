using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Clearing.Domain.Tests.Peers;

/// <summary>
/// Runs one of the peer scripts in tests/peers (Mango, Drift, Aave under node) on a JSON file of cases and
/// returns what it printed. A missing node or missing tests/peers/node_modules is a test failure that names
/// the install step, never a skip: the cross-checks are part of the suite.
/// </summary>
internal static class NodePeers
{
    public const string InstallStep = "cd tests/peers && npm install --no-save";

    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(2);

    public static string PeersFolder { get; } = Path.Combine(FindRepoRoot(), "tests", "peers");

    public static JsonNode Run(string script, object cases)
    {
        var modules = Path.Combine(PeersFolder, "node_modules");
        if (!Directory.Exists(Path.Combine(modules, "@blockworks-foundation", "mango-v4"))
            || !Directory.Exists(Path.Combine(modules, "@drift-labs", "sdk"))
            || !Directory.Exists(Path.Combine(modules, "@aave", "math-utils")))
        {
            Assert.Fail($"The peer packages are not installed in {modules}. Install them with: {InstallStep}");
        }

        var node = FindNode() ?? throw new InvalidOperationException(
            $"Node.js (node) is not on PATH; it runs the peer cross-checks. Install it (apt-get install -y nodejs npm), then: {InstallStep}");
        var casesFile = Path.Combine(Path.GetTempPath(), $"clearing-peers-{Environment.ProcessId}-{Guid.NewGuid():N}.json");
        File.WriteAllText(casesFile, JsonSerializer.Serialize(cases));
        try
        {
            var start = new ProcessStartInfo(node)
            {
                WorkingDirectory = PeersFolder,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add(Path.Combine(PeersFolder, script));
            start.ArgumentList.Add(casesFile);
            using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {node}.");
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(Deadline))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"node {script} did not finish within {Deadline}.");
            }

            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"node {script} exited with {process.ExitCode}: {stderr.Result}");
            }

            return JsonNode.Parse(stdout.Result) ?? throw new InvalidOperationException($"node {script} printed nothing.");
        }
        finally
        {
            File.Delete(casesFile);
        }
    }

    private static string? FindNode()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, OperatingSystem.IsWindows() ? "node.exe" : "node");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Clearing.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No Clearing.sln above {AppContext.BaseDirectory}: run the tests from a clone of the repository.");
    }
}
