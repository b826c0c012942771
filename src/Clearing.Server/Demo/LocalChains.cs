using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Clearing.Server.Demo;

/// <summary>An EVM node the demo started: Clearing's name for the chain, its JSON-RPC URL and EIP-155 chain id.</summary>
public sealed record LocalEvmChain(string Name, Uri RpcUrl, ulong ChainId);

/// <summary>
/// The demo's local chains: two anvil nodes (chain A and chain B, from deploy/devnet/node_modules) and the Solana devnet
/// (<c>node deploy/devnet/solana-rpc.mjs</c>), each on a free loopback port. Anvil mines a block every second and, with
/// one slot per epoch, its <c>finalized</c> block trails the head by two; the devnet's slot is 400 ms and finalized
/// trails processed by 8 slots. So deposits reach finality in seconds, as on a fast chain, without anyone mining by hand.
/// </summary>
public sealed partial class LocalChains : IAsyncDisposable
{
    public const string ChainAName = "evm-a";
    public const string ChainBName = "evm-b";
    public const string SolanaName = "solana";
    public const ulong ChainAId = 31337;
    public const ulong ChainBId = 31338;

    /// <summary>Anvil's deterministic development mnemonic ("test test ... junk"): its keys hold no value anywhere.</summary>
    public const string AnvilMnemonic = "test test test test test test test test test test test junk";

    /// <summary>Account 0 of <see cref="AnvilMnemonic"/>, funded with 10,000 ETH on every anvil: the demo's faucet. A public LOCAL key.</summary>
    public const string AnvilFaucetKey = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(60);
    private readonly List<DemoProcess> processes = [];

    private LocalChains()
    {
    }

    public LocalEvmChain ChainA { get; private set; } = null!;

    public LocalEvmChain ChainB { get; private set; } = null!;

    public Uri SolanaRpcUrl { get; private set; } = null!;

    public IReadOnlyList<LocalEvmChain> EvmChains => [ChainA, ChainB];

    public static string AnvilBinary(string repositoryRoot) =>
        Path.Combine(repositoryRoot, "deploy", "devnet", "node_modules", "@foundry-rs", "anvil-linux-amd64", "bin", "anvil");

    /// <summary>Starts all three chains (in parallel) and waits until each answers; stops the started ones if one fails.</summary>
    public static async Task<LocalChains> StartAsync(string repositoryRoot, CancellationToken cancellationToken)
    {
        var anvil = AnvilBinary(repositoryRoot);
        if (!File.Exists(anvil))
        {
            throw new DemoPrerequisiteException($"anvil is not installed at {anvil}: run `cd deploy/devnet && npm install --no-save` (or `bash deploy/scripts/install-prerequisites.sh`).");
        }

        if (!Directory.Exists(Path.Combine(repositoryRoot, "deploy", "devnet", "node_modules", "litesvm")))
        {
            throw new DemoPrerequisiteException("The Solana devnet's npm packages (litesvm) are missing: run `cd deploy/devnet && npm install --no-save` (or `bash deploy/scripts/install-prerequisites.sh`).");
        }

        var node = FindOnPath("node") ?? throw new DemoPrerequisiteException("Node.js (`node`) is not on PATH: run `bash deploy/scripts/install-prerequisites.sh`.");
        var chains = new LocalChains();
        try
        {
            var a = chains.StartAnvilAsync(anvil, ChainAName, ChainAId, repositoryRoot, cancellationToken);
            var b = chains.StartAnvilAsync(anvil, ChainBName, ChainBId, repositoryRoot, cancellationToken);
            var solana = chains.StartSolanaAsync(node, repositoryRoot, cancellationToken);
            chains.ChainA = await a.ConfigureAwait(false);
            chains.ChainB = await b.ConfigureAwait(false);
            chains.SolanaRpcUrl = await solana.ConfigureAwait(false);
            return chains;
        }
        catch
        {
            await chains.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Uses nodes that are already running (nothing is started or stopped): the chain ids are asked of each anvil. Anvil
    /// must mine on its own (<c>--block-time</c>) and report finality (<c>--slots-in-an-epoch 1</c>), as <see cref="StartAsync"/>'s do.
    /// </summary>
    public static async Task<LocalChains> AttachAsync(Uri chainA, Uri chainB, Uri solana, CancellationToken cancellationToken)
    {
        using var http = new HttpClient();
        async Task<LocalEvmChain> Evm(string name, Uri url) =>
            new(name, url, (await new Clearing.Chains.Evm.Rpc.EvmRpcClient(http, url).GetChainIdAsync(cancellationToken).ConfigureAwait(false)).Value);
        return new LocalChains { ChainA = await Evm(ChainAName, chainA).ConfigureAwait(false), ChainB = await Evm(ChainBName, chainB).ConfigureAwait(false), SolanaRpcUrl = solana };
    }

    public async ValueTask DisposeAsync()
    {
        List<DemoProcess> started;
        lock (processes)
        {
            started = [.. processes];
            processes.Clear();
        }

        foreach (var process in started)
        {
            await process.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task<LocalEvmChain> StartAnvilAsync(string anvil, string name, ulong chainId, string root, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var port = FreeLoopbackPort();
            var process = Track(DemoProcess.Start(anvil,
            [
                "--host", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture),
                "--chain-id", chainId.ToString(CultureInfo.InvariantCulture),
                "--mnemonic", AnvilMnemonic,
                "--slots-in-an-epoch", "1",
                "--block-time", "1",
            ], root, $"anvil ({name})"));
            try
            {
                await process.WaitForLineAsync(line => line.Contains("Listening on", StringComparison.Ordinal), StartDeadline, cancellationToken).ConfigureAwait(false);
                return new LocalEvmChain(name, new Uri($"http://127.0.0.1:{port}"), chainId);
            }
            catch (InvalidOperationException) when (attempt < 3 && process.HasExited)
            {
                // Another process took the port between our probe and anvil's bind: try another one.
            }
        }
    }

    private async Task<Uri> StartSolanaAsync(string node, string root, CancellationToken cancellationToken)
    {
        var script = Path.Combine(root, "deploy", "devnet", "solana-rpc.mjs");
        var process = Track(DemoProcess.Start(node, [script, "--port", "0", "--slot-ms", "400", "--finalized-lag", "8"], root, "solana-devnet"));
        var banner = await process.WaitForLineAsync(line => line.Contains("solana-devnet listening on", StringComparison.Ordinal), StartDeadline, cancellationToken).ConfigureAwait(false);
        return new Uri(ListeningUrl().Match(banner).Groups["url"].Value);
    }

    private DemoProcess Track(DemoProcess process)
    {
        lock (processes)
        {
            processes.Add(process);
        }

        return process;
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, program))
            .FirstOrDefault(File.Exists);

    [GeneratedRegex(@"listening on (?<url>http://\S+)")]
    private static partial Regex ListeningUrl();
}

/// <summary>Something the demo needs is not installed; the message names the install step.</summary>
public sealed class DemoPrerequisiteException(string message) : Exception(message);
