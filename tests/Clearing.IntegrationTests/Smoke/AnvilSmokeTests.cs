using System.Globalization;
using System.Numerics;
using System.Text.Json;
using Clearing.TestKit;
using Xunit.Abstractions;

namespace Clearing.IntegrationTests.Smoke;

[Trait("RealComponent", "true")]
public sealed class AnvilSmokeTests(TwoAnvilChainsFixture chains, ITestOutputHelper output) : IClassFixture<TwoAnvilChainsFixture>
{
    [Fact]
    public async Task Two_chains_run_side_by_side_with_their_own_chain_ids()
    {
        output.WriteLine($"chain A: {chains.ChainA.Version} at {chains.ChainA.Url}; chain B: {chains.ChainB.Version} at {chains.ChainB.Url}");
        var a = await chains.ChainA.Rpc.CallAsync("eth_chainId");
        var b = await chains.ChainB.Rpc.CallAsync("eth_chainId");
        Assert.Equal(TwoAnvilChainsFixture.ChainAId, Convert.ToUInt64(a.GetString(), 16));
        Assert.Equal(TwoAnvilChainsFixture.ChainBId, Convert.ToUInt64(b.GetString(), 16));
    }

    [Fact]
    public async Task A_value_transfer_is_mined_and_its_receipt_read_back()
    {
        var node = chains.ChainA;
        var before = await BalanceAsync(node, AnvilNode.DevAccount1);
        var oneEtherWei = BigInteger.Pow(10, 18);

        // anvil holds the dev accounts' keys, so eth_sendTransaction signs for them.
        var hash = (await node.Rpc.CallAsync("eth_sendTransaction", new Dictionary<string, string>
        {
            ["from"] = AnvilNode.DevAccount0,
            ["to"] = AnvilNode.DevAccount1,
            ["value"] = "0x" + oneEtherWei.ToString("x", CultureInfo.InvariantCulture).TrimStart('0'),
        })).GetString()!;

        // anvil mines the transaction right after accepting it; the receipt appears once the block is sealed.
        var receipt = default(JsonElement);
        await Wait.UntilAsync(
            async () => (receipt = await node.Rpc.CallAsync("eth_getTransactionReceipt", hash)).ValueKind == JsonValueKind.Object,
            TimeSpan.FromSeconds(30),
            $"the receipt of {hash}");
        Assert.Equal("0x1", receipt.GetProperty("status").GetString());
        Assert.Equal(hash, receipt.GetProperty("transactionHash").GetString());
        Assert.Equal(before + oneEtherWei, await BalanceAsync(node, AnvilNode.DevAccount1));
        output.WriteLine($"transfer {hash} mined in block {receipt.GetProperty("blockNumber").GetString()} on {node.Url}");
    }

    [Fact]
    public async Task Finalized_block_trails_the_head_so_finality_is_observable()
    {
        var node = chains.ChainB;
        await node.MineAsync(5);
        var latest = await node.BlockNumberAsync("latest");
        var finalized = await node.BlockNumberAsync("finalized");
        Assert.True(finalized < latest, $"finalized {finalized} should trail latest {latest}");
        Assert.Equal(latest - 2, finalized);
    }

    private static async Task<BigInteger> BalanceAsync(AnvilNode node, string address)
    {
        var hex = (await node.Rpc.CallAsync("eth_getBalance", address, "latest")).GetString()!;
        return BigInteger.Parse("0" + hex[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
    }
}
