using System.Net;
using System.Text.Json;
using Clearing.Chains;
using Clearing.Chains.Solana.Encoding;
using Clearing.Chains.Solana.Programs;
using Clearing.Chains.Solana.Rpc;
using Clearing.Chains.Solana.Signing;
using Clearing.Grains.Risk;
using Clearing.IntegrationTests.Solana;
using Clearing.Persistence.Outbox;
using Clearing.TestKit;
using Microsoft.Extensions.Logging;

namespace Clearing.IntegrationTests.Serve;

/// <summary>
/// `clearing serve` with <c>Clearing:Solana</c> against the LiteSVM devnet: a memo'd deposit reaches the account view
/// only at finality, a withdrawal posted through the API is paid once and settled, and a seizure planned in the outbox
/// is paid once to the liquidation receiver and reported to the account's liquidation router.
/// </summary>
[Trait("RealComponent", "true")]
public sealed class ServeOnSolanaTests(SolanaDevnetFixture solana) : IClassFixture<SolanaDevnetFixture>, IAsyncLifetime
{
    private const ulong Deposited = 600_000_000;

    /// <summary>Each test its own mint, depositor and vault on the shared devnet.</summary>
    private static int nextSeed = 0x70;

    private readonly ServeFolder folder = new();
    private readonly PublicKey receiver = Keypair.FromSeed(Enumerable.Repeat((byte)0x3C, 32).ToArray()).PublicKey;
    private SolanaVaultScenario scenario = null!;
    private ServeHost serve = null!;

    public async Task InitializeAsync()
    {
        scenario = await SolanaVaultScenario.StartAsync(solana.Devnet, (byte)Interlocked.Increment(ref nextSeed));
        var config = folder.WriteConfig(
            new Dictionary<string, object>(),
            solana: await folder.SolanaChainAsync(solana.Devnet.Url, scenario, "USDC", receiver));
        serve = await ServeHost.StartAsync(config);
    }

    [Fact]
    public async Task A_memo_deposit_is_pending_until_finalized_then_credited_once()
    {
        var signature = await scenario.DepositAsync(Deposited, "alice");

        await WaitForUsdcAsync(b => b.Pending == Deposited && b.Available == 0, "the deposit shown as pending before finality");
        await scenario.FinalizeAsync(signature);
        await scenario.FinalizeEverythingAsync();
        await WaitForUsdcAsync(b => b.Available == Deposited && b.Pending == 0, "the deposit credited after finality");

        await scenario.FinalizeEverythingAsync();
        await WaitForWatcherRoundsAsync();
        Assert.Equal(new ServeBalance(Deposited, 0, 0), await UsdcAsync());
    }

    [Fact]
    public async Task Deposit_instructions_name_the_vault_token_account_of_each_mint_and_the_account_as_memo()
    {
        using var response = await serve.Http.SendAsync(ServeFolder.Signed(HttpMethod.Get, "/v1/accounts/alice/deposit-instructions"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {text}");
        using var document = JsonDocument.Parse(text);

        var chain = Assert.Single(document.RootElement.GetProperty("chains").EnumerateArray());
        Assert.Equal(
            (ServeFolder.SolanaChain, "solana-vault", scenario.Authority.PublicKey.ToString(), "alice", scenario.VaultTokenAccount.ToString()),
            (chain.GetProperty("chain").GetString(), chain.GetProperty("kind").GetString(), chain.GetProperty("vault").GetString(),
                chain.GetProperty("accountField").GetString(), chain.GetProperty("assets").GetProperty("USDC").GetString()));
    }

    [Fact]
    public async Task A_withdrawal_through_the_api_is_paid_once_and_settled()
    {
        await DepositAndCreditAsync();
        var recipient = Keypair.FromSeed(Enumerable.Repeat((byte)0x4D, 32).ToArray()).PublicKey;
        var body = ServeScenario.UsdcWithdrawal(ServeFolder.SolanaChain, 250_000_000, recipient.ToString());
        await ServeScenario.PostWithdrawalAsync(serve.Http, body, "sol-withdraw-1");

        await WaitForUsdcAsync(b => b.Available == Deposited - 250_000_000 && b.Reserved == 0, "the withdrawal settled as paid", advanceEachCheck: true);
        var recipientAccount = AssociatedTokenAccountProgram.FindAddress(recipient, scenario.Mint.PublicKey);
        Assert.Equal(250_000_000UL, await scenario.TokenBalanceAsync(recipientAccount));

        // The same request again is the first answer replayed, never a second payout.
        await ServeScenario.PostWithdrawalAsync(serve.Http, body, "sol-withdraw-1");

        await scenario.FinalizeEverythingAsync();
        await WaitForWatcherRoundsAsync();
        Assert.Equal(250_000_000UL, await scenario.TokenBalanceAsync(recipientAccount));
        Assert.Equal(Deposited - 250_000_000, await scenario.TokenBalanceAsync(scenario.VaultTokenAccount));
        Assert.Equal(new ServeBalance(Deposited - 250_000_000, 0, 0), await UsdcAsync());
    }

    [Fact]
    public async Task A_seizure_is_paid_once_to_the_liquidation_receiver_and_reported_to_the_router()
    {
        await DepositAndCreditAsync();
        const string DecisionId = "liq-sol-1:seize:0";
        var seize = new SeizeAction("alice", "liq-sol-1", ServeFolder.SolanaChain, "USDC", "100000000");

        var actionId = await serve.PlanAsync(DecisionId, ServeFolder.SolanaChain, SeizeAction.Kind, JsonSerializer.Serialize(seize));

        await Wait.UntilAsync(
            async () =>
            {
                await solana.Devnet.AdvanceSlotsAsync(1);
                return (await serve.OutboxAsync(actionId))?.State == OutboxState.Confirmed;
            },
            TimeSpan.FromSeconds(60),
            "the seizure confirmed at finalized");
        var receiverAccount = AssociatedTokenAccountProgram.FindAddress(receiver, scenario.Mint.PublicKey);
        Assert.Equal(100_000_000UL, await scenario.TokenBalanceAsync(receiverAccount));
        var action = await serve.OutboxAsync(actionId);
        await serve.RouterAnsweredAsync(DecisionId);

        await scenario.FinalizeEverythingAsync();
        await WaitForWatcherRoundsAsync();
        Assert.Equal(100_000_000UL, await scenario.TokenBalanceAsync(receiverAccount));
        Assert.Equal(Deposited - 100_000_000, await scenario.TokenBalanceAsync(scenario.VaultTokenAccount));
        Assert.Equal(OutboxState.Confirmed, (await serve.OutboxAsync(actionId))!.State);
        Assert.Equal(action!.TxId, (await serve.OutboxAsync(actionId))!.TxId);
    }

    private async Task DepositAndCreditAsync()
    {
        var signature = await scenario.DepositAsync(Deposited, "alice");
        await scenario.FinalizeAsync(signature);
        await scenario.FinalizeEverythingAsync();
        await WaitForUsdcAsync(b => b.Available == Deposited, "the deposit credited");
    }

    /// <summary>Waits until the watcher has committed a round at today's finalized slot, so a double credit would have happened by now.</summary>
    private async Task WaitForWatcherRoundsAsync()
    {
        var finalized = (await scenario.Client.GetSlotAsync(Commitment.Finalized)).Value;
        await Wait.UntilAsync(
            async () => await serve.CommittedHeightAsync(ServeFolder.SolanaChain) >= finalized,
            TimeSpan.FromSeconds(60),
            $"the watcher to commit a round at finalized slot {finalized}");
    }

    private Task WaitForUsdcAsync(Func<ServeBalance, bool> condition, string what, bool advanceEachCheck = false) =>
        ServeScenario.WaitForBalanceAsync(
            UsdcAsync,
            condition,
            what,
            advanceEachCheck ? () => solana.Devnet.AdvanceSlotsAsync(1) : null,
            () => " Last warnings: " + string.Join(" | ", serve.Logs.Lines.Where(l => l.Level >= LogLevel.Warning).TakeLast(5).Select(l => l.Message)));

    private Task<ServeBalance> UsdcAsync() => ServeScenario.AliceBalanceAsync(serve.Http, ServeFolder.SolanaChain, "USDC");

    public Task DisposeAsync() => ServeScenario.StopAsync(serve, folder, scenario: scenario);
}
