using System.Text.Json;
using System.Text.Json.Nodes;
using Clearing.TestKit;

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

    public static string PeersFolder { get; } = Path.Combine(RepoPaths.Root, "tests", "peers");

    public static JsonNode Run(string script, object cases)
    {
        var modules = Path.Combine(PeersFolder, "node_modules");
        foreach (var package in new[] { "@blockworks-foundation/mango-v4", "@drift-labs/sdk", "@aave/math-utils" })
        {
            NodeScript.RequirePackage(modules, package, InstallStep);
        }

        var casesFile = Path.Combine(Path.GetTempPath(), $"clearing-peers-{Environment.ProcessId}-{Guid.NewGuid():N}.json");
        File.WriteAllText(casesFile, JsonSerializer.Serialize(cases));
        try
        {
            // The cross-check tests are synchronous; the runner's awaits do not capture a context, so blocking is safe.
            var printed = NodeScript.RunAsync(Path.Combine(PeersFolder, script), [casesFile], InstallStep, Deadline).GetAwaiter().GetResult();
            return JsonNode.Parse(printed) ?? throw new InvalidOperationException($"node {script} printed nothing.");
        }
        finally
        {
            File.Delete(casesFile);
        }
    }
}
