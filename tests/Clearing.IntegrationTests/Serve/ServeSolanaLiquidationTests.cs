using Clearing.Chains.Solana.Encoding;
using Clearing.Chains.Solana.Programs;
using Clearing.Chains.Solana.Signing;
using Clearing.IntegrationTests.Solana;
using Clearing.TestKit;

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
            oracles: ServeFolder.OperatorPricedOracles("JUP"));
        serve = await ServeHost.StartAsync(config);
    }

    [Fact]
    public async Task A_price_fall_liquidates_by_seizing_the_collateral_on_solana_once()
    {
        // 1,000 JUP at 1 USD, credited at finality.
        var deposit = await scenario.DepositAsync(SolanaVaultScenario.MintedUnits, "alice");
        await scenario.FinalizeAsync(deposit);
        await scenario.FinalizeEverythingAsync();
        await Wait.UntilAsync(
            async () => (await ServeScenario.AliceLiquidationsAsync(serve.Http)).Count == 0
                && (await ServeScenario.AliceBalanceAsync(serve.Http, ServeFolder.SolanaChain, "JUP")).Available == SolanaVaultScenario.MintedUnits,
            TimeSpan.FromSeconds(60),
            "alice's JUP credited");

        await ServeScenario.TradeAtALossThenDropJupAsync(serve.Http);

        var receiverAccount = AssociatedTokenAccountProgram.FindAddress(receiver, scenario.Mint.PublicKey);
        var liquidation = await ServeScenario.WaitForOneCompletedLiquidationAsync(serve, () => solana.Devnet.AdvanceSlotsAsync(1));

        var (seizure, seizedUnits) = ServeScenario.ConfirmedSeizure(liquidation, ServeFolder.SolanaChain, "JUP");
        var seized = (ulong)seizedUnits;
        Assert.Equal(seized, await scenario.TokenBalanceAsync(receiverAccount));
        Assert.Equal(SolanaVaultScenario.MintedUnits - seized, await scenario.TokenBalanceAsync(scenario.VaultTokenAccount));
        Assert.False(string.IsNullOrEmpty(seizure.GetProperty("transaction").GetString()), "the seizure names its transaction");

        await scenario.FinalizeEverythingAsync();
        Assert.Equal(seized, await scenario.TokenBalanceAsync(receiverAccount));
    }

    public Task DisposeAsync() => ServeScenario.StopAsync(serve, folder, scenario: scenario);
}
