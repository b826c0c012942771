using System.Numerics;
using System.Text.Json;
using Clearing.Chains.Evm.Model;
using Clearing.Chains.Evm.Signing;
using Clearing.Grains.Risk;
using Clearing.IntegrationTests.Evm;
using Clearing.Persistence.Outbox;
using Clearing.TestKit;

namespace Clearing.IntegrationTests.Serve;

/// <summary>
/// A liquidation router's <c>seize</c> outbox action on an EVM chain served by `clearing serve`: paid once through the
/// vault's <c>seize</c> to the chain's liquidation receiver (checked by reading the chain) and reported to the router.
/// </summary>
[Trait("RealComponent", "true")]
public sealed class ServeSeizureOnAnvilTests : IAsyncLifetime
{
    private static readonly BigInteger Funded = 1_000_000_000;

    private readonly ServeFolder folder = new();
    private readonly EvmAddress receiver = EvmPrivateKey.Generate().Address;
    private AnvilNode node = null!;
    private AnvilContracts contracts = null!;
    private EvmAddress usdc;
    private EvmAddress vault;
    private ServeHost serve = null!;

    public async Task InitializeAsync()
    {
        node = await AnvilNode.StartAsync(TwoAnvilChainsFixture.ChainAId);
        contracts = new AnvilContracts(node);
        (usdc, vault) = await contracts.DeployFundedVaultAsync(Funded);
        var config = folder.WriteConfig(await folder.AnvilChainAsync(node, vault, usdc, "USDC", liquidationReceiver: receiver));
        serve = await ServeHost.StartAsync(config);
    }

    [Fact]
    public async Task A_seizure_is_paid_once_to_the_liquidation_receiver_and_reported_to_the_router()
    {
        const string DecisionId = "liq-evm-1:seize:0";
        var seize = new SeizeAction("alice", "liq-evm-1", ServeFolder.Chain, "USDC", "100000000");

        var actionId = await serve.PlanAsync(DecisionId, ServeFolder.Chain, SeizeAction.Kind, JsonSerializer.Serialize(seize));

        await Wait.UntilAsync(
            async () =>
            {
                await node.MineAsync(1);
                return (await serve.OutboxAsync(actionId))?.State == OutboxState.Confirmed;
            },
            TimeSpan.FromSeconds(60),
            "the seizure confirmed at the finalized block");
        Assert.Equal(new BigInteger(100_000_000), await BalanceOfAsync(receiver));
        Assert.True(await LiquidationIdUsedAsync(DecisionId));
        await serve.RouterAnsweredAsync(DecisionId);

        await node.MineAsync(5);
        Assert.Equal(new BigInteger(100_000_000), await BalanceOfAsync(receiver));
        Assert.Equal(Funded - 100_000_000, await BalanceOfAsync(vault));
    }

    private Task<bool> LiquidationIdUsedAsync(string decisionId) => ServeScenario.LiquidationIdUsedAsync(node, vault, decisionId);

    private Task<BigInteger> BalanceOfAsync(EvmAddress owner) => ServeScenario.Erc20BalanceAsync(node, usdc, owner);

    public Task DisposeAsync() => ServeScenario.StopAsync(serve, folder, node: node);
}
