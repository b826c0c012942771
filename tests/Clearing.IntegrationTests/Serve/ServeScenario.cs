using System.Globalization;
using System.Net;
using System.Numerics;
using System.Text.Json;
using Clearing.Chains.Evm;
using Clearing.Chains.Evm.Abi;
using Clearing.Chains.Evm.Execution;
using Clearing.Chains.Evm.Model;
using Clearing.IntegrationTests.Evm;
using Clearing.TestKit;
using Microsoft.Extensions.Logging;

namespace Clearing.IntegrationTests.Serve;

/// <summary>One of alice's balances as the account view shows it, in the asset's smallest units.</summary>
internal readonly record struct ServeBalance(BigInteger Available, BigInteger Reserved, BigInteger Pending);

/// <summary>The reads the serve scenarios check their outcomes with (alice's account view, the EVM chain's state) and their teardown.</summary>
internal static class ServeScenario
{
    /// <summary>
    /// A scenario's teardown: serve first (it holds the database file and polls the chain), then the chain it watched
    /// (an anvil <paramref name="node"/> or a Solana vault <paramref name="scenario"/>), then the folder.
    /// </summary>
    public static async Task StopAsync(ServeHost? serve, ServeFolder folder, IAsyncDisposable? node = null, IDisposable? scenario = null)
    {
        if (serve is not null)
        {
            await serve.DisposeAsync();
        }

        if (node is not null)
        {
            await node.DisposeAsync();
        }

        scenario?.Dispose();
        folder.Dispose();
    }

    /// <summary>Alice's <paramref name="asset"/> on <paramref name="chain"/> from <c>GET /v1/accounts/alice</c> (zero when not listed).</summary>
    public static async Task<ServeBalance> AliceBalanceAsync(HttpClient http, string chain, string asset)
    {
        using var response = await http.SendAsync(ServeFolder.Signed(HttpMethod.Get, "/v1/accounts/alice"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET /v1/accounts/alice: {(int)response.StatusCode} {text}");
        using var view = JsonDocument.Parse(text);
        foreach (var balance in view.RootElement.GetProperty("balances").EnumerateArray())
        {
            if (balance.GetProperty("chain").GetString() == chain && balance.GetProperty("asset").GetString() == asset)
            {
                return new ServeBalance(Units(balance, "available"), Units(balance, "reserved"), Units(balance, "pending"));
            }
        }

        return new ServeBalance(0, 0, 0);
    }

    /// <summary>The body of alice's request to withdraw <paramref name="units"/> of USDC on <paramref name="chain"/> to <paramref name="destination"/>.</summary>
    public static string UsdcWithdrawal(string chain, long units, string destination) =>
        $$"""{"chain":"{{chain}}","asset":"USDC","units":"{{units}}","destination":"{{destination}}"}""";

    /// <summary>Posts alice's signed withdrawal request (a repeated key replays the first answer) and asserts it is accepted (201).</summary>
    public static async Task PostWithdrawalAsync(HttpClient http, string body, string idempotencyKey)
    {
        using var posted = await http.SendAsync(ServeFolder.Signed(HttpMethod.Post, "/v1/accounts/alice/withdrawals", body, idempotencyKey));
        Assert.Equal(HttpStatusCode.Created, posted.StatusCode);
    }

    /// <summary>
    /// Waits (up to 60 s, reading every 200 ms) until the balance <paramref name="read"/> returns satisfies
    /// <paramref name="condition"/>; <paramref name="beforeEachCheck"/> runs before each read (mining a block, checking
    /// serve still runs). A timeout names the balance last seen and what <paramref name="context"/> adds.
    /// </summary>
    public static async Task WaitForBalanceAsync(
        Func<Task<ServeBalance>> read, Func<ServeBalance, bool> condition, string what, Func<Task>? beforeEachCheck = null, Func<string>? context = null)
    {
        var last = default(ServeBalance);
        try
        {
            await Wait.UntilAsync(
                async () =>
                {
                    if (beforeEachCheck is not null)
                    {
                        await beforeEachCheck();
                    }

                    last = await read();
                    return condition(last);
                },
                TimeSpan.FromSeconds(60),
                what,
                TimeSpan.FromMilliseconds(200));
        }
        catch (TimeoutException timeout)
        {
            throw new TimeoutException($"{timeout.Message} Alice's balance last seen: {last}.{context?.Invoke()}", timeout);
        }
    }

    /// <summary>
    /// Alice's way into liquidation once her JUP is credited: long 1 ETH-PERP at 2,400 against a 2,000 mark (a 400 USD
    /// loss, initial health still positive), then the operator's JUP price falls to 0.3 USD.
    /// </summary>
    public static async Task TradeAtALossThenDropJupAsync(HttpClient http)
    {
        using (var trade = await http.SendAsync(ServeFolder.Signed(HttpMethod.Post, "/v1/accounts/alice/trades", """{"market":"ETH-PERP","sizeDelta":"1","price":"2400"}""", "trade-1")))
        {
            Assert.True(trade.StatusCode == HttpStatusCode.Created, $"trade: {(int)trade.StatusCode} {await trade.Content.ReadAsStringAsync()}");
        }

        using var price = await http.SendAsync(ServeFolder.SignedAsOperator(HttpMethod.Post, "/v1/operator/prices/JUP", """{"price":"0.3"}"""));
        Assert.Equal(HttpStatusCode.OK, price.StatusCode);
    }

    /// <summary>Alice's liquidations from <c>GET /v1/accounts/alice/liquidations</c>, asserted answered (200).</summary>
    public static async Task<List<JsonElement>> AliceLiquidationsAsync(HttpClient http)
    {
        using var response = await http.SendAsync(ServeFolder.Signed(HttpMethod.Get, "/v1/accounts/alice/liquidations"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET liquidations: {(int)response.StatusCode} {text}");
        using var document = JsonDocument.Parse(text);
        return [.. document.RootElement.EnumerateArray().Select(e => e.Clone())];
    }

    /// <summary>
    /// Waits (up to 90 s) until alice has exactly one liquidation and it completed, running <paramref name="advanceChain"/>
    /// (a block, a slot) before each check; returns it. A timeout names the liquidation last seen and serve's last warnings.
    /// </summary>
    public static async Task<JsonElement> WaitForOneCompletedLiquidationAsync(ServeHost serve, Func<Task> advanceChain)
    {
        JsonElement liquidation = default;
        try
        {
            await Wait.UntilAsync(
                async () =>
                {
                    await advanceChain();
                    var all = await AliceLiquidationsAsync(serve.Http);
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

        return liquidation;
    }

    /// <summary>
    /// The <paramref name="liquidation"/>'s single seize step, asserted confirmed for <paramref name="asset"/> on
    /// <paramref name="chain"/> with a positive amount (the asset's smallest units).
    /// </summary>
    public static (JsonElement Step, BigInteger Seized) ConfirmedSeizure(JsonElement liquidation, string chain, string asset)
    {
        var step = Assert.Single(liquidation.GetProperty("steps").EnumerateArray(), s => s.GetProperty("kind").GetString() == "seize");
        Assert.Equal((chain, asset, "confirmed"), (step.GetProperty("chain").GetString(), step.GetProperty("asset").GetString(), step.GetProperty("state").GetString()));
        var seized = BigInteger.Parse(step.GetProperty("amount").GetString()!, CultureInfo.InvariantCulture);
        Assert.True(seized > 0, "a positive amount was seized");
        return (step, seized);
    }

    private static BigInteger Units(JsonElement balance, string name) => BigInteger.Parse(balance.GetProperty(name).GetString()!, CultureInfo.InvariantCulture);

    /// <summary><paramref name="owner"/>'s balance of the ERC-20 <paramref name="token"/> at the node's latest block.</summary>
    public static async Task<BigInteger> Erc20BalanceAsync(AnvilNode node, EvmAddress token, EvmAddress owner)
    {
        var answer = await node.Rpc.CallAsync("eth_call", AnvilContracts.Request(AnvilNode.DevAccount0, token, Erc20Abi.EncodeBalanceOf(owner)), "latest");
        return Erc20Abi.DecodeBalance(Hex.Decode(answer.GetString()!));
    }

    /// <summary>Whether the vault has spent the liquidation id of <paramref name="decisionId"/> (its seizure executed).</summary>
    public static async Task<bool> LiquidationIdUsedAsync(AnvilNode node, EvmAddress vault, string decisionId)
    {
        var data = ClearingVaultAbi.LiquidationIdUsed.EncodeCall(EvmExecutor.DecisionId32(decisionId));
        var answer = await node.Rpc.CallAsync("eth_call", AnvilContracts.Request(AnvilNode.DevAccount0, vault, data), "latest");
        return (bool)ClearingVaultAbi.LiquidationIdUsed.DecodeOutput(Hex.Decode(answer.GetString()!))[0];
    }
}
