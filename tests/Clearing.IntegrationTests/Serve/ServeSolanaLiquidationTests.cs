using System.Net;
using System.Text.Json;
using Clearing.Chains.Solana.Encoding;
using Clearing.Chains.Solana.Programs;
using Clearing.Chains.Solana.Signing;
using Clearing.IntegrationTests.Solana;
using Clearing.TestKit;
using Microsoft.Extensions.Logging;

namespace Clearing.IntegrationTests.Serve;

/// <summary>
/// The liquidation path end to end in `clearing serve` on the Solana devnet: JUP collateral deposited on Solana, a
/// position with a loss, the operator's JUP price falls; the risk book proposes the account, its router plans a seizure
/// of JUP on Solana, the Solana worker pays it to the liquidation receiver once, and the settlement completes the
/// liquidation, which the account's liquidations show with the chain transaction.
/// </summary>
[Trait("RealComponent", "true")]
public sealed class ServeSolanaLiquidationTests(SolanaDevnetFixture solana) : IClassFixture<SolanaDevnetFixture>, IAsyncLifetime
{
    private readonly ServeFolder folder = new();
    private readonly PublicKey receiver = Keypair.FromSeed(Enumerable.Repeat((byte)0x3D, 32).ToArray()).PublicKey;
    private SolanaVaultScenario scenario = null!;
    private ServeHost serve = null!;

    public async Task InitializeAsync()
    {
        scenario = await SolanaVaultScenario.StartAsync(solana.Devnet, 0x90);
        var config = folder.WriteConfig(
            new Dictionary<string, object>(),
            solana: await folder.SolanaChainAsync(solana.Devnet.Url, scenario, "JUP", receiver),
            oracles: new
            {
                RefreshIntervalMs = "100",
                Assets = new { JUP = new { Sources = new { desk = new { Kind = "operator", HeartbeatSeconds = "600" } } } },
            });
        serve = await ServeHost.StartAsync(config);
    }

    [Fact]
    public async Task A_price_fall_liquidates_by_seizing_the_collateral_on_solana_once()
    {
        // 1,000 JUP at 1 USD, credited at finality.
        var deposit = await scenario.DepositAsync(SolanaVaultScenario.MintedUnits, "alice");
        await scenario.FinalizeAsync(deposit);
        await scenario.FinalizeEverythingAsync();
        await Wait.UntilAsync(async () => (await LiquidationsAsync()).Count == 0 && await HasJupAsync(), TimeSpan.FromSeconds(60), "alice's JUP credited");

        // Long 1 ETH-PERP at 2,400 against a 2,000 mark: a 400 USD loss, initial health still positive.
        using (var trade = await serve.Http.SendAsync(ServeFolder.Signed(HttpMethod.Post, "/v1/accounts/alice/trades", """{"market":"ETH-PERP","sizeDelta":"1","price":"2400"}""", "trade-1")))
        {
            Assert.True(trade.StatusCode == HttpStatusCode.Created, $"trade: {(int)trade.StatusCode} {await trade.Content.ReadAsStringAsync()}");
        }

        using (var price = await serve.Http.SendAsync(ServeFolder.SignedAsOperator(HttpMethod.Post, "/v1/operator/prices/JUP", """{"price":"0.3"}""")))
        {
            Assert.Equal(HttpStatusCode.OK, price.StatusCode);
        }

        var receiverAccount = AssociatedTokenAccountProgram.FindAddress(receiver, scenario.Mint.PublicKey);
        JsonElement liquidation = default;
        try
        {
            await Wait.UntilAsync(
                async () =>
                {
                    await solana.Devnet.AdvanceSlotsAsync(1);
                    var all = await LiquidationsAsync();
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
        Assert.Equal((ServeFolder.SolanaChain, "JUP", "confirmed"), (seizure.GetProperty("chain").GetString(), seizure.GetProperty("asset").GetString(), seizure.GetProperty("state").GetString()));
        var seized = ulong.Parse(seizure.GetProperty("amount").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(seized > 0, "a positive amount was seized");
        Assert.Equal(seized, await scenario.TokenBalanceAsync(receiverAccount));
        Assert.Equal(SolanaVaultScenario.MintedUnits - seized, await scenario.TokenBalanceAsync(scenario.VaultTokenAccount));
        Assert.False(string.IsNullOrEmpty(seizure.GetProperty("transaction").GetString()), "the seizure names its transaction");

        await scenario.FinalizeEverythingAsync();
        Assert.Equal(seized, await scenario.TokenBalanceAsync(receiverAccount));
    }

    private async Task<bool> HasJupAsync()
    {
        using var response = await serve.Http.SendAsync(ServeFolder.Signed(HttpMethod.Get, "/v1/accounts/alice"));
        using var view = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return view.RootElement.GetProperty("balances").EnumerateArray()
            .Any(b => b.GetProperty("asset").GetString() == "JUP" && b.GetProperty("available").GetString() == SolanaVaultScenario.MintedUnits.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private async Task<List<JsonElement>> LiquidationsAsync()
    {
        using var response = await serve.Http.SendAsync(ServeFolder.Signed(HttpMethod.Get, "/v1/accounts/alice/liquidations"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET liquidations: {(int)response.StatusCode} {text}");
        using var document = JsonDocument.Parse(text);
        return [.. document.RootElement.EnumerateArray().Select(e => e.Clone())];
    }

    public Task DisposeAsync() => ServeScenario.StopAsync(serve, folder, scenario: scenario);
}
