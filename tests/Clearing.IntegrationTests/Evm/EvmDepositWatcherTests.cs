using System.Numerics;
using Clearing.Chains;
using Clearing.Chains.Evm.Abi;
using Clearing.Chains.Evm.Model;
using Clearing.Chains.Evm.Rpc;
using Clearing.Chains.Evm.Vault;
using Clearing.TestKit;

namespace Clearing.IntegrationTests.Evm;

/// <summary>
/// The EVM deposit watcher against a real anvil (one per test, so reorgs and finality of one test never touch
/// another): finalized is two blocks behind the head with one slot per epoch.
/// </summary>
[Trait("RealComponent", "true")]
public sealed class EvmDepositWatcherTests : IAsyncLifetime
{
    private const string ChainName = "chain-a";
    private static readonly byte[] Alice = AccountIdCodec.ToBytes32("alice");
    private readonly HttpClient http = new();
    private readonly RecordingDepositSink sink = new();
    private AnvilNode node = null!;
    private AnvilContracts contracts = null!;
    private EvmAddress usdc;
    private EvmAddress vault;
    private EvmDepositWatcher watcher = null!;

    public async Task InitializeAsync()
    {
        node = await AnvilNode.StartAsync(TwoAnvilChainsFixture.ChainAId);
        contracts = new AnvilContracts(node);
        usdc = await contracts.DeployAsync("TestToken", "string,string,uint8", "USD Coin", "USDC", (byte)6);
        vault = await contracts.DeployVaultAsync(usdc);
        watcher = Watcher(vault, new Dictionary<EvmAddress, string> { [usdc] = "USDC", [EvmAddress.Zero] = "ETH" });
    }

    [Fact]
    public async Task A_deposit_is_pending_until_finalized_then_credited_exactly_once()
    {
        var tx = await contracts.DepositTokenAsync(vault, usdc, AnvilNode.DevAccount1, Alice, 250_000_000);

        await watcher.PollOnceAsync(CancellationToken.None);
        var pending = Assert.Single(sink.Pending(ChainName));
        Assert.Equal(tx, pending.Key.TransactionId);
        Assert.Empty(sink.ProposedFinal);

        await node.MineAsync(2);
        await watcher.PollOnceAsync(CancellationToken.None);
        await node.MineAsync(3);
        await watcher.PollOnceAsync(CancellationToken.None);

        var credit = Assert.Single(sink.ProposedFinal);
        Assert.Equal(new DepositKey(ChainName, tx, credit.Key.Index), credit.Key);
        Assert.Equal("alice", credit.AccountId);
        Assert.Equal("USDC", credit.Asset);
        Assert.Equal(new BigInteger(250_000_000), credit.Amount);
        Assert.Equal(EvmAddress.Parse(AnvilNode.DevAccount1).ToChecksumString(), credit.Depositor);
        Assert.Empty(sink.Pending(ChainName));
        Assert.Equal(await node.BlockNumberAsync("finalized"), sink.Cursor(ChainName)!.Value.Height);
    }

    [Fact]
    public async Task A_deposit_reorged_away_before_finality_is_never_credited()
    {
        await contracts.DepositTokenAsync(vault, usdc, AnvilNode.DevAccount1, Alice, 1_000_000);
        await watcher.PollOnceAsync(CancellationToken.None);
        Assert.Single(sink.Pending(ChainName));

        // Replace the head block (which holds the deposit) with an empty one: a fork that never saw it.
        await node.Rpc.CallAsync("anvil_reorg", 1, Array.Empty<object>());
        await watcher.PollOnceAsync(CancellationToken.None);
        Assert.Empty(sink.Pending(ChainName));

        await node.MineAsync(5);
        await watcher.PollOnceAsync(CancellationToken.None);
        Assert.Empty(sink.ProposedFinal);
    }

    [Fact]
    public async Task A_deposit_moved_to_another_block_by_a_reorg_is_credited_exactly_once_from_its_final_block()
    {
        await contracts.SendAsync(AnvilNode.DevAccount1, usdc, AnvilContracts.Mint.EncodeCall(EvmAddress.Parse(AnvilNode.DevAccount1), new BigInteger(5_000_000)));
        await contracts.SendAsync(AnvilNode.DevAccount1, usdc, Erc20Abi.EncodeApprove(vault, new BigInteger(5_000_000)));
        var deposit = AnvilContracts.Request(AnvilNode.DevAccount1, vault, ClearingVaultAbi.EncodeDeposit(Alice, usdc, new BigInteger(5_000_000)));
        await contracts.SendAsync(AnvilNode.DevAccount1, vault, ClearingVaultAbi.EncodeDeposit(Alice, usdc, new BigInteger(5_000_000)));
        await node.MineAsync(1);
        await watcher.PollOnceAsync(CancellationToken.None);
        var before = Assert.Single(sink.Pending(ChainName));

        // Rewrite the last two blocks; the same deposit lands one block later than before.
        await node.Rpc.CallAsync("anvil_reorg", 2, new object[] { new object[] { deposit, 1 } });
        await watcher.PollOnceAsync(CancellationToken.None);
        var after = Assert.Single(sink.Pending(ChainName));
        Assert.Equal(before.Height + 1, after.Height);
        Assert.NotEqual(before.BlockHash, after.BlockHash);

        await node.MineAsync(3);
        await watcher.PollOnceAsync(CancellationToken.None);
        await node.MineAsync(2);
        await watcher.PollOnceAsync(CancellationToken.None);
        var credit = Assert.Single(sink.ProposedFinal);
        Assert.Equal(after.Height, credit.Height);
        Assert.Equal(after.BlockHash, credit.BlockHash);
    }

    [Fact]
    public async Task A_deposited_event_from_another_contract_is_ignored()
    {
        var lookalike = await contracts.DeployAsync("LookalikeDepositEmitter");
        var receipt = await contracts.SendAsync(AnvilNode.DevAccount1, lookalike, AnvilContracts.EmitLookalike.EncodeCall(Alice, usdc, new BigInteger(1_000_000_000)));
        Assert.Equal(ClearingVaultAbi.Deposited.Topic0, Clearing.Chains.Evm.Hex.Decode(receipt.GetProperty("logs")[0].GetProperty("topics")[0].GetString()!));

        await node.MineAsync(3);
        await watcher.PollOnceAsync(CancellationToken.None);

        Assert.Empty(sink.ProposedFinal);
        Assert.Empty(sink.Pending(ChainName));
    }

    [Fact]
    public async Task A_fee_on_transfer_token_credits_what_the_vault_received()
    {
        // 100 basis points of every transfer is taken by the token.
        var feeToken = await contracts.DeployAsync("FeeOnTransferToken", "string,string,uint256", "Fee Token", "FEE", new BigInteger(100));
        var feeVault = await contracts.DeployVaultAsync(feeToken);
        var feeWatcher = Watcher(feeVault, new Dictionary<EvmAddress, string> { [feeToken] = "FEE" });
        await contracts.DepositTokenAsync(feeVault, feeToken, AnvilNode.DevAccount1, Alice, 1_000_000);

        await node.MineAsync(3);
        await feeWatcher.PollOnceAsync(CancellationToken.None);

        Assert.Equal(new BigInteger(990_000), Assert.Single(sink.ProposedFinal).Amount);
    }

    [Fact]
    public async Task Native_coin_deposits_are_credited_and_an_unreadable_account_goes_to_suspense()
    {
        var oneEtherWei = BigInteger.Pow(10, 18);
        await contracts.SendAsync(AnvilNode.DevAccount1, vault, ClearingVaultAbi.EncodeDepositNative(Alice), oneEtherWei);
        var garbled = new byte[32];
        garbled[0] = 0xff;
        await contracts.SendAsync(AnvilNode.DevAccount1, vault, ClearingVaultAbi.EncodeDepositNative(garbled), oneEtherWei);

        await node.MineAsync(3);
        await watcher.PollOnceAsync(CancellationToken.None);

        Assert.Equal(2, sink.ProposedFinal.Count);
        var credited = sink.ProposedFinal.Single(d => d.AccountId is not null);
        Assert.Equal(("alice", "ETH", "", oneEtherWei), (credited.AccountId, credited.Asset, credited.Token, credited.Amount));
        var suspense = sink.ProposedFinal.Single(d => d.AccountId is null);
        Assert.Equal(oneEtherWei, suspense.Amount);
        Assert.False(string.IsNullOrEmpty(suspense.SuspenseReason));
    }

    [Fact]
    public async Task A_reorg_deeper_than_finality_stops_crediting_instead_of_rewinding()
    {
        await node.MineAsync(4);
        await watcher.PollOnceAsync(CancellationToken.None);
        var cursor = sink.Cursor(ChainName)!.Value;

        // Depth 3 reaches the finalized block at the cursor: a fault beyond what finality promises.
        await node.Rpc.CallAsync("anvil_reorg", 3, Array.Empty<object>());
        await contracts.DepositTokenAsync(vault, usdc, AnvilNode.DevAccount1, Alice, 1_000_000);
        await node.MineAsync(3);

        await Assert.ThrowsAsync<FinalityViolationException>(() => watcher.PollOnceAsync(CancellationToken.None));
        Assert.Empty(sink.ProposedFinal);
        Assert.Equal(cursor, sink.Cursor(ChainName));
    }

    [Fact]
    public async Task Two_chains_are_watched_side_by_side_each_crediting_its_own_deposits()
    {
        await using var chainB = await AnvilNode.StartAsync(TwoAnvilChainsFixture.ChainBId);
        var contractsB = new AnvilContracts(chainB);
        var usdcB = await contractsB.DeployAsync("TestToken", "string,string,uint8", "USD Coin", "USDC", (byte)6);
        var vaultB = await contractsB.DeployVaultAsync(usdcB);
        var watcherB = new EvmDepositWatcher(
            new EvmRpcClient(http, chainB.Url),
            new EvmVaultOptions { Chain = "chain-b", ChainId = chainB.ChainId, Vault = vaultB, Tokens = new Dictionary<EvmAddress, string> { [usdcB] = "USDC" } },
            sink);

        await contracts.DepositTokenAsync(vault, usdc, AnvilNode.DevAccount1, Alice, 7_000_000);
        await contractsB.DepositTokenAsync(vaultB, usdcB, AnvilNode.DevAccount1, AccountIdCodec.ToBytes32("bob"), 3_000_000);
        await node.MineAsync(3);
        await chainB.MineAsync(3);
        await Task.WhenAll(watcher.PollOnceAsync(CancellationToken.None), watcherB.PollOnceAsync(CancellationToken.None));

        Assert.Equal(
            [("chain-a", "alice", new BigInteger(7_000_000)), ("chain-b", "bob", new BigInteger(3_000_000))],
            sink.ProposedFinal.Select(d => (d.Key.Chain, d.AccountId!, d.Amount)).OrderBy(d => d.Chain).ToList());
    }

    [Fact]
    public void Startup_fails_closed_on_a_zero_vault_address_or_an_empty_allowlist()
    {
        var zeroVault = Assert.Throws<InvalidOperationException>(() => Watcher(EvmAddress.Zero, new Dictionary<EvmAddress, string> { [usdc] = "USDC" }));
        Assert.Contains("zero address", zeroVault.Message, StringComparison.Ordinal);
        var noTokens = Assert.Throws<InvalidOperationException>(() => Watcher(vault, new Dictionary<EvmAddress, string>()));
        Assert.Contains("allowlist is empty", noTokens.Message, StringComparison.Ordinal);
    }

    public async Task DisposeAsync()
    {
        http.Dispose();
        await node.DisposeAsync();
    }

    private EvmDepositWatcher Watcher(EvmAddress vaultAddress, IReadOnlyDictionary<EvmAddress, string> tokens) =>
        new(new EvmRpcClient(http, node.Url), new EvmVaultOptions { Chain = ChainName, ChainId = node.ChainId, Vault = vaultAddress, Tokens = tokens }, sink);
}
