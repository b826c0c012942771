using System.Numerics;
using Clearing.Chains;
using Clearing.Chains.Evm.Model;
using Clearing.Chains.Evm.Signing;
using Clearing.IntegrationTests.Evm;
using Clearing.TestKit;
using Microsoft.Extensions.Logging;

namespace Clearing.IntegrationTests.Serve;

/// <summary>
/// An EVM node whose finalized block falls below what serve already credited (the chain rewound under it): the worker
/// logs it critical and stops crediting that chain, while its executor keeps paying what was decided.
/// </summary>
[Trait("RealComponent", "true")]
public sealed class ServeFinalityViolationTests : IAsyncLifetime
{
    private static readonly BigInteger Funded = 1_000_000_000;

    private readonly ServeFolder folder = new();
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
        var config = folder.WriteConfig(await folder.AnvilChainAsync(node, vault, usdc, "USDC"));
        serve = await ServeHost.StartAsync(config);
    }

    [Fact]
    public async Task Finalized_below_the_credited_cursor_stops_crediting_loudly_while_the_executor_still_pays()
    {
        var beforeFinality = (await node.Rpc.CallAsync("evm_snapshot")).GetString()!;
        await node.MineAsync(6);
        await WaitForUsdcAsync(b => b.Available == Funded, "alice's deposit credited");
        var finalized = await node.BlockNumberAsync("finalized");
        await Wait.UntilAsync(async () => await serve.CommittedHeightAsync(ServeFolder.Chain) >= finalized, TimeSpan.FromSeconds(60), "the watcher's cursor at the finalized block");

        // The node rewinds below the credited cursor: finality moved backwards.
        Assert.True((await node.Rpc.CallAsync("evm_revert", beforeFinality)).GetBoolean());
        await Wait.UntilAsync(
            () => Task.FromResult(serve.Logs.Contains(LogLevel.Critical, $"EVM chain {ServeFolder.Chain}: FINALITY VIOLATED")),
            TimeSpan.FromSeconds(30),
            "the finality violation logged critical");

        // A new deposit, final on the node, and a withdrawal: only the executor still runs.
        await contracts.DepositTokenAsync(vault, usdc, AnvilNode.DevAccount1, AccountIdCodec.ToBytes32("alice"), 500_000_000);
        var recipient = EvmPrivateKey.Generate().Address;
        await ServeScenario.PostWithdrawalAsync(serve.Http, ServeScenario.UsdcWithdrawal(ServeFolder.Chain, 100_000_000, recipient.ToChecksumString()), "withdraw-after-violation");

        await WaitForUsdcAsync(b => b.Available == Funded - 100_000_000 && b.Reserved == 0, "the withdrawal paid and settled", mineEachCheck: true);
        Assert.Equal(new ServeBalance(Funded - 100_000_000, 0, 0), await UsdcAsync());
        Assert.Equal(1, serve.Logs.Lines.Count(l => l.Level == LogLevel.Critical));
    }

    private Task WaitForUsdcAsync(Func<ServeBalance, bool> condition, string what, bool mineEachCheck = false) =>
        ServeScenario.WaitForBalanceAsync(UsdcAsync, condition, what, mineEachCheck ? () => node.MineAsync(1) : null);

    private Task<ServeBalance> UsdcAsync() => ServeScenario.AliceBalanceAsync(serve.Http, ServeFolder.Chain, "USDC");

    public Task DisposeAsync() => ServeScenario.StopAsync(serve, folder, node: node);
}
