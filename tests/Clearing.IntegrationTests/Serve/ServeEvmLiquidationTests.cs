using System.Globalization;
using System.Net;
using System.Numerics;
using System.Text.Json;
using Clearing.Chains;
using Clearing.Chains.Evm.Abi;
using Clearing.Chains.Evm.Model;
using Clearing.Chains.Evm.Signing;
using Clearing.IntegrationTests.Evm;
using Clearing.TestKit;
using Microsoft.Extensions.Logging;

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
            oracles: new
            {
                RefreshIntervalMs = "100",
                Assets = new { JUP = new { Sources = new { desk = new { Kind = "operator", HeartbeatSeconds = "600" } } } },
            });
        serve = await ServeHost.StartAsync(config);
    }

    [Fact]
    public async Task A_price_fall_liquidates_by_seizing_the_collateral_through_the_vault_once()
    {
        await node.MineAsync(3);
        await Wait.UntilAsync(HasJupAsync, TimeSpan.FromSeconds(60), "alice's JUP credited");

        // Long 1 ETH-PERP at 2,400 against a 2,000 mark: a 400 USD loss, initial health still positive.
        using (var trade = await serve.Http.SendAsync(ServeFolder.Signed(HttpMethod.Post, "/v1/accounts/alice/trades", """{"market":"ETH-PERP","sizeDelta":"1","price":"2400"}""", "trade-1")))
        {
            Assert.True(trade.StatusCode == HttpStatusCode.Created, $"trade: {(int)trade.StatusCode} {await trade.Content.ReadAsStringAsync()}");
        }

        using (var price = await serve.Http.SendAsync(ServeFolder.SignedAsOperator(HttpMethod.Post, "/v1/operator/prices/JUP", """{"price":"0.3"}""")))
        {
            Assert.Equal(HttpStatusCode.OK, price.StatusCode);
        }

        JsonElement liquidation = default;
        try
        {
            await Wait.UntilAsync(
                async () =>
                {
                    await node.MineAsync(1);
                    using var response = await serve.Http.SendAsync(ServeFolder.Signed(HttpMethod.Get, "/v1/accounts/alice/liquidations"));
                    using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                    var all = document.RootElement.EnumerateArray().Select(e => e.Clone()).ToList();
                    liquidation = all.FirstOrDefault();
                    return all.Count == 1 && liquidation.GetProperty("state").GetString() == "completed";
                },
                TimeSpan.FromSeconds(90),
                "alice's liquidation completed");
        }
        catch (TimeoutException timeout)
        {
            var warnings = string.Join(" | ", serve.Logs.Lines.Where(l => l.Level >= LogLevel.Warning).TakeLast(5).Select(l => l.Message));
            throw new TimeoutException($"{timeout.Message} Last liquidation: {liquidation}. Last warnings: {warnings}", timeout);
        }

        var seizure = Assert.Single(liquidation.GetProperty("steps").EnumerateArray(), s => s.GetProperty("kind").GetString() == "seize");
        Assert.Equal((ServeFolder.Chain, "JUP", "confirmed"), (seizure.GetProperty("chain").GetString(), seizure.GetProperty("asset").GetString(), seizure.GetProperty("state").GetString()));
        var seized = BigInteger.Parse(seizure.GetProperty("amount").GetString()!, CultureInfo.InvariantCulture);
        Assert.True(seized > 0, "a positive amount was seized");
        Assert.Equal(seized, await BalanceOfAsync(receiver));
        Assert.Equal(Deposited - seized, await BalanceOfAsync(vault));
        Assert.True(await LiquidationIdUsedAsync(seizure.GetProperty("decisionId").GetString()!));

        await node.MineAsync(5);
        Assert.Equal(seized, await BalanceOfAsync(receiver));
    }

    private async Task<bool> HasJupAsync()
    {
        using var response = await serve.Http.SendAsync(ServeFolder.Signed(HttpMethod.Get, "/v1/accounts/alice"));
        using var view = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return view.RootElement.GetProperty("balances").EnumerateArray()
            .Any(b => b.GetProperty("asset").GetString() == "JUP" && b.GetProperty("available").GetString() == Deposited.ToString(CultureInfo.InvariantCulture));
    }

    private Task<bool> LiquidationIdUsedAsync(string decisionId) => ServeScenario.LiquidationIdUsedAsync(node, vault, decisionId);

    private Task<BigInteger> BalanceOfAsync(EvmAddress owner) => ServeScenario.Erc20BalanceAsync(node, jup, owner);

    public Task DisposeAsync() => ServeScenario.StopAsync(serve, folder, node: node);
}
