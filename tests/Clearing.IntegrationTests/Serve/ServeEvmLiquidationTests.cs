using System.Numerics;
using Clearing.Chains;
using Clearing.Chains.Evm.Abi;
using Clearing.Chains.Evm.Model;
using Clearing.Chains.Evm.Signing;
using Clearing.IntegrationTests.Evm;
using Clearing.TestKit;

namespace Clearing.IntegrationTests.Serve;

/// <summary>
/// The liquidation path end to end in `clearing serve` on anvil: JUP (an ERC-20) deposited into the vault, a position
/// with a loss, the operator's JUP price falls; the router's seizure is paid once through the vault's <c>seize</c> to
/// the chain's liquidation receiver and the settlement completes the liquidation.
/// </summary>
[Trait("RealComponent", "true")]
public sealed class ServeEvmLiquidationTests : IAsyncLifetime
{
    private static readonly BigInteger Deposited = 1_000_000_000;

    private readonly ServeFolder folder = new();
    private readonly EvmAddress receiver = EvmPrivateKey.Generate().Address;
    private AnvilNode node = null!;
    private EvmAddress jup;
    private EvmAddress vault;
    private ServeHost serve = null!;

    public async Task InitializeAsync()
    {
        node = await AnvilNode.StartAsync(TwoAnvilChainsFixture.ChainAId);
        var contracts = new AnvilContracts(node);
        jup = await contracts.DeployAsync("TestToken", "string,string,uint8", "Jupiter", "JUP", (byte)6);
        vault = await contracts.DeployVaultAsync(jup);
        await contracts.SendAsync(AnvilNode.DevAccount0, vault, ClearingVaultAbi.GrantRole.EncodeCall(ClearingVaultAbi.OperatorRole, EvmAddress.Parse(AnvilNode.DevAccount0)));
        await contracts.DepositTokenAsync(vault, jup, AnvilNode.DevAccount1, AccountIdCodec.ToBytes32("alice"), Deposited);
        var config = folder.WriteConfig(
            await folder.AnvilChainAsync(node, vault, jup, "JUP", liquidationReceiver: receiver),
            oracles: ServeFolder.OperatorPricedOracles("JUP"));
        serve = await ServeHost.StartAsync(config);
    }

    [Fact]
    public async Task A_price_fall_liquidates_by_seizing_the_collateral_through_the_vault_once()
    {
        await node.MineAsync(3);
        await ServeScenario.WaitForBalanceAsync(() => ServeScenario.AliceBalanceAsync(serve.Http, ServeFolder.Chain, "JUP"), b => b.Available == Deposited, "alice's JUP credited");

        await ServeScenario.TradeAtALossThenDropJupAsync(serve.Http);

        var liquidation = await ServeScenario.WaitForOneCompletedLiquidationAsync(serve, () => node.MineAsync(1));

        var (seizure, seized) = ServeScenario.ConfirmedSeizure(liquidation, ServeFolder.Chain, "JUP");
        Assert.Equal(seized, await BalanceOfAsync(receiver));
        Assert.Equal(Deposited - seized, await BalanceOfAsync(vault));
        Assert.True(await LiquidationIdUsedAsync(seizure.GetProperty("decisionId").GetString()!));

        await node.MineAsync(5);
        Assert.Equal(seized, await BalanceOfAsync(receiver));
    }

    private Task<bool> LiquidationIdUsedAsync(string decisionId) => ServeScenario.LiquidationIdUsedAsync(node, vault, decisionId);

    private Task<BigInteger> BalanceOfAsync(EvmAddress owner) => ServeScenario.Erc20BalanceAsync(node, jup, owner);

    public Task DisposeAsync() => ServeScenario.StopAsync(serve, folder, node: node);
}
