using System.Text.Json.Nodes;
using Clearing.Chains.Evm.Model;
using Clearing.Chains.Evm.Rpc;
using Clearing.Chains.Evm.Vault;

namespace Clearing.Chains.Evm.Tests.Vault;

/// <summary>
/// A node behind a load balancer may answer eth_getLogs from a replica that has not reached the end of the range:
/// its empty answer must not be taken for "no deposits" and the cursor must not move. A real anvil cannot lag
/// itself, so this one case uses a scripted node.
/// </summary>
public sealed class EvmDepositWatcherNodeBehindTests
{
    private static readonly EvmAddress Vault = EvmAddress.Parse("0x1000000000000000000000000000000000000001");
    private static readonly EvmAddress Token = EvmAddress.Parse("0x2000000000000000000000000000000000000002");

    [Fact]
    public async Task An_empty_getLogs_from_a_node_whose_head_is_below_the_range_is_not_committed()
    {
        var node = new FakeNode()
            .ReplyWith(request => Result(request, Block(100)))           // eth_getBlockByNumber("finalized")
            .ReplyWith(request => Result(request, new JsonArray()))      // eth_getLogs 90..100: nothing
            .ReplyWith(request => Result(request, "0x5f"));              // eth_blockNumber: 95, below 100
        using var http = new HttpClient(node);
        var sink = new CommitCountingSink();
        var watcher = new EvmDepositWatcher(
            new EvmRpcClient(http, FakeNode.Endpoint),
            new EvmVaultOptions { Chain = "chain-a", ChainId = 1, Vault = Vault, Tokens = new Dictionary<EvmAddress, string> { [Token] = "USDC" }, StartBlock = 90 },
            sink);

        var round = await watcher.PollOnceAsync(CancellationToken.None);

        Assert.Equal(WatchOutcome.NodeBehind, round.Outcome);
        Assert.Equal(0, sink.Commits);
        Assert.Equal("eth_getLogs", node.Requests[1]["method"]!.GetValue<string>());
        Assert.Equal("eth_blockNumber", node.Requests[2]["method"]!.GetValue<string>());
    }

    private static JsonObject Block(ulong number) => new()
    {
        ["number"] = "0x" + number.ToString("x", System.Globalization.CultureInfo.InvariantCulture),
        ["hash"] = "0x" + new string('a', 64),
        ["parentHash"] = "0x" + new string('b', 64),
        ["timestamp"] = "0x1",
        ["baseFeePerGas"] = "0x1",
    };

    private static JsonObject Result(JsonNode request, JsonNode result) =>
        new() { ["jsonrpc"] = "2.0", ["id"] = request["id"]!.DeepClone(), ["result"] = result };

    private sealed class CommitCountingSink : IDepositSink
    {
        public int Commits { get; private set; }

        public Task<ChainCursor?> ReadCursorAsync(string chain, CancellationToken cancellationToken) => Task.FromResult<ChainCursor?>(null);

        public Task CommitFinalizedAsync(string chain, ChainCursor through, IReadOnlyList<ObservedDeposit> deposits, CancellationToken cancellationToken)
        {
            Commits++;
            return Task.CompletedTask;
        }

        public Task ReplacePendingAsync(string chain, IReadOnlyList<ObservedDeposit> pending, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
