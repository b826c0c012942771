using System.Globalization;

namespace Clearing.TestKit;

/// <summary>
/// A real EVM node: anvil 1.7.1 from the @foundry-rs/anvil npm package, on a free loopback port.
/// With one slot per epoch anvil's `finalized` block is two blocks behind the head, so finality is observable.
/// </summary>
public sealed class AnvilNode : IAsyncDisposable
{
    /// <summary>Anvil's deterministic development mnemonic ("test test ... junk"); these keys hold no real value.</summary>
    public const string DevMnemonic = "test test test test test test test test test test test junk";

    /// <summary>Account 0 of <see cref="DevMnemonic"/>: a well-known LOCAL DEVNET key, never used anywhere else.</summary>
    public const string DevAccount0PrivateKey = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

    public const string DevAccount0 = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
    public const string DevAccount1 = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

    private readonly ChildProcess process;

    private AnvilNode(ChildProcess process, Uri url, ulong chainId, string version)
    {
        this.process = process;
        Url = url;
        ChainId = chainId;
        Version = version;
        Rpc = new TestRpc(url);
    }

    public Uri Url { get; }

    public ulong ChainId { get; }

    public string Version { get; }

    public TestRpc Rpc { get; }

    public static string BinaryPath =>
        Environment.GetEnvironmentVariable("CLEARING_ANVIL")
        ?? Path.Combine(RepoPaths.DevnetNodeModules, "@foundry-rs", "anvil-linux-amd64", "bin", "anvil");

    public static async Task<AnvilNode> StartAsync(ulong chainId)
    {
        if (!File.Exists(BinaryPath))
        {
            throw new MissingPrerequisiteException($"anvil ({BinaryPath})", "cd deploy/devnet && npm install --no-save");
        }

        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort.Next();
            var child = ChildProcess.Start(BinaryPath,
            [
                "--host", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture),
                "--chain-id", chainId.ToString(CultureInfo.InvariantCulture),
                "--mnemonic", DevMnemonic,
                "--slots-in-an-epoch", "1",
            ]);
            try
            {
                await child.WaitForLineAsync(line => line.Contains("Listening on", StringComparison.Ordinal), TimeSpan.FromSeconds(30), "anvil to listen")
                    .ConfigureAwait(false);
                var url = new Uri($"http://127.0.0.1:{port}");
                using var probe = new TestRpc(url);
                var version = (await probe.CallAsync("web3_clientVersion").ConfigureAwait(false)).GetString() ?? "anvil";
                ComponentLog.Started("anvil", version, $"{url} chain id {chainId}");
                return new AnvilNode(child, url, chainId, version);
            }
            catch (InvalidOperationException) when (attempt < 3 && child.HasExited)
            {
                // Lost the port to another process between probing and binding: try another.
                await child.DisposeAsync().ConfigureAwait(false);
            }
            catch
            {
                await child.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
    }

    /// <summary>Mines <paramref name="blocks"/> empty blocks (moves `finalized` forward by as many).</summary>
    public Task MineAsync(int blocks) => Rpc.CallAsync("anvil_mine", "0x" + blocks.ToString("x", CultureInfo.InvariantCulture));

    public async Task<ulong> BlockNumberAsync(string tag = "latest")
    {
        var block = await Rpc.CallAsync("eth_getBlockByNumber", tag, false).ConfigureAwait(false);
        return Convert.ToUInt64(block.GetProperty("number").GetString(), 16);
    }

    public async ValueTask DisposeAsync()
    {
        Rpc.Dispose();
        await process.DisposeAsync().ConfigureAwait(false);
    }
}
