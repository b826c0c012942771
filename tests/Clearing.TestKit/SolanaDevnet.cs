using System.Globalization;
using System.Text.RegularExpressions;

namespace Clearing.TestKit;

/// <summary>
/// The Solana devnet of deploy/devnet: a real Solana VM (LiteSVM) served over Solana's JSON-RPC by node.
/// Finalized lags processed by <see cref="FinalizedLagSlots"/>; tests move slots with devnet_advanceSlots.
/// </summary>
public sealed partial class SolanaDevnet : IAsyncDisposable
{
    private readonly ChildProcess process;

    private SolanaDevnet(ChildProcess process, Uri url, string banner, int finalizedLagSlots)
    {
        this.process = process;
        Url = url;
        Banner = banner;
        FinalizedLagSlots = finalizedLagSlots;
        Rpc = new TestRpc(url);
    }

    public Uri Url { get; }

    /// <summary>The server's ready line, with the LiteSVM version.</summary>
    public string Banner { get; }

    public int FinalizedLagSlots { get; }

    public TestRpc Rpc { get; }

    public static string ServerScript => Path.Combine(RepoPaths.DevnetFolder, "solana-rpc.mjs");

    /// <param name="finalizedLagSlots">How many slots finalized trails processed.</param>
    /// <param name="slotMilliseconds">Slot clock; tests that drive slots themselves pass a long one so the clock does not interfere.</param>
    public static async Task<SolanaDevnet> StartAsync(int finalizedLagSlots = 8, int slotMilliseconds = 400)
    {
        var node = Command.FindOnPath("node") ?? throw new MissingPrerequisiteException("Node.js (node)", "apt-get install -y nodejs npm");
        if (!Directory.Exists(Path.Combine(RepoPaths.DevnetNodeModules, "litesvm")))
        {
            throw new MissingPrerequisiteException("The devnet's npm packages (litesvm, @solana/kit)", "cd deploy/devnet && npm install --no-save");
        }

        var child = ChildProcess.Start(node,
        [
            ServerScript, "--port", "0",
            "--finalized-lag", finalizedLagSlots.ToString(CultureInfo.InvariantCulture),
            "--slot-ms", slotMilliseconds.ToString(CultureInfo.InvariantCulture),
        ]);
        try
        {
            var banner = await child.WaitForLineAsync(line => line.Contains("solana-devnet listening on", StringComparison.Ordinal), TimeSpan.FromSeconds(60), "the Solana devnet to listen")
                .ConfigureAwait(false);
            var url = new Uri(ListeningUrl().Match(banner).Groups["url"].Value);
            ComponentLog.Started("solana-devnet", banner.Trim(), url.ToString());
            return new SolanaDevnet(child, url, banner.Trim(), finalizedLagSlots);
        }
        catch
        {
            await child.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Moves the slot clock forward (and with it confirmed and finalized).</summary>
    public Task AdvanceSlotsAsync(int slots) => Rpc.CallAsync("devnet_advanceSlots", slots);

    public async ValueTask DisposeAsync()
    {
        Rpc.Dispose();
        await process.DisposeAsync().ConfigureAwait(false);
    }

    [GeneratedRegex(@"listening on (?<url>http://\S+)")]
    private static partial Regex ListeningUrl();
}
