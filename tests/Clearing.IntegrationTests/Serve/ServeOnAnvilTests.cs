using System.Numerics;
using Clearing.Chains.Evm.Abi;
using Clearing.Chains.Evm.Model;
using Clearing.Chains.Evm.Signing;
using Clearing.Chains.Evm.Execution;
using Clearing.Chains.Evm.Rpc;
using Clearing.IntegrationTests.Evm;
using Clearing.Persistence;
using Clearing.Persistence.ActorStorage;
using Clearing.Persistence.Outbox;
using Clearing.Server.Chains;
using Clearing.Server.Cli;
using Clearing.TestKit;

namespace Clearing.IntegrationTests.Serve;

/// <summary>
/// `clearing serve` as an operator runs it against a real anvil holding a deployed, funded vault: deposits on chain
/// reach the account view after finality, and a withdrawal posted through the API is paid on chain once and settled.
/// </summary>
[Trait("RealComponent", "true")]
public abstract class ServeOnAnvilTests : IAsyncLifetime
{
    /// <summary>The database serve runs on for this class; null keeps the folder's SQLite file.</summary>
    protected abstract Task<PersistenceOptions?> DatabaseAsync();

    /// <summary>Alice's deposit made by DeployFundedVaultAsync: 1,000 USDC (6 decimals).</summary>
    private static readonly BigInteger Funded = 1_000_000_000;

    private readonly ServeFolder folder = new();
    private CancellationTokenSource stop = new();
    private string config = "";
    private AnvilNode node = null!;
    private EvmAddress usdc;
    private EvmAddress vault;
    private Task<int> serving = null!;
    private HttpClient http = null!;

    public async Task InitializeAsync()
    {
        folder.Database = await DatabaseAsync() ?? folder.Database;
        node = await AnvilNode.StartAsync(TwoAnvilChainsFixture.ChainAId);
        (usdc, vault) = await new AnvilContracts(node).DeployFundedVaultAsync(Funded);
        config = folder.WriteConfig(await folder.AnvilChainAsync(node, vault, usdc, "USDC"));
        await StartServeAsync();
    }

    /// <summary>Runs `clearing serve` in this process on a fresh port and waits for /health.</summary>
    private async Task StartServeAsync()
    {
        var port = FreePort.Next();
        serving = ClearingCli.Build().Parse(["serve", "--config", config, "--urls", $"http://127.0.0.1:{port}"]).InvokeAsync(cancellationToken: stop.Token);
        http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await Wait.UntilAsync(
            async () =>
            {
                Assert.False(serving.IsCompleted, $"clearing serve exited early with {(serving.IsCompleted ? serving.Result : 0)}");
                try
                {
                    return (await http.GetAsync(new Uri("/health", UriKind.Relative))).IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(60),
            "clearing serve to answer /health");
    }

    [Fact]
    public async Task A_finalized_deposit_shows_in_the_account_and_a_withdrawal_is_paid_on_chain_once_and_settled()
    {
        // The deposit is in the newest block, not final yet: shown as pending, worth nothing available.
        await WaitForUsdcAsync(balance => balance.Pending == Funded && balance.Available == 0, "alice's deposit shown as pending before finality");
        await node.MineAsync(3);
        await WaitForUsdcAsync(balance => balance.Available == Funded && balance.Pending == 0, "alice's 1,000 USDC deposit credited after finality");

        var (recipient, body) = await RequestWithdrawalAsync(250_000_000, "withdraw-1");

        // The executor's transaction is mined at once; each check mines one more block until it is final and settled.
        await WaitForUsdcAsync(
            balance => balance.Available == Funded - 250_000_000 && balance.Reserved == 0,
            "the withdrawal settled as paid",
            mineEachCheck: true);
        Assert.Equal(new BigInteger(250_000_000), await BalanceOfAsync(recipient));

        // The same request again is the first answer replayed, never a second payout.
        await ServeScenario.PostWithdrawalAsync(http, body, "withdraw-1");

        await node.MineAsync(5);
        var after = await UsdcAsync();
        Assert.Equal((Funded - 250_000_000, BigInteger.Zero), (after.Available, after.Reserved));
        Assert.Equal(new BigInteger(250_000_000), await BalanceOfAsync(recipient));
    }

    [Fact]
    public async Task A_withdrawal_the_vault_refuses_is_never_sent_and_its_units_return_to_the_account()
    {
        await node.MineAsync(3);
        await WaitForUsdcAsync(balance => balance.Available == Funded, "alice's deposit credited");
        // The operator key loses its role: the vault would revert the payout, so the executor must not send it.
        var revokeRole = AbiFunction.Parse("revokeRole(bytes32 role, address account)");
        await new AnvilContracts(node).SendAsync(AnvilNode.DevAccount0, vault, revokeRole.EncodeCall(ClearingVaultAbi.OperatorRole, EvmAddress.Parse(AnvilNode.DevAccount0)));
        var operatorNonce = await NonceAsync(AnvilNode.DevAccount0);

        var (recipient, _) = await RequestWithdrawalAsync(400_000_000, "withdraw-refused");

        await WaitForUsdcAsync(balance => balance.Available == Funded && balance.Reserved == 0, "the refused withdrawal settled as not paid");
        Assert.Equal(BigInteger.Zero, await BalanceOfAsync(recipient));
        Assert.Equal(operatorNonce, await NonceAsync(AnvilNode.DevAccount0));
    }

    [Fact]
    public async Task A_withdrawal_requested_before_a_restart_is_paid_once_and_settled_by_the_next_process()
    {
        await node.MineAsync(3);
        await WaitForUsdcAsync(balance => balance.Available == Funded, "alice's deposit credited");
        var (recipient, _) = await RequestWithdrawalAsync(100_000_000, "withdraw-restart");

        // Stopped at once: the payout may be planned, signed or mined, but it is not final (nothing was mined since).
        await StopServeAsync();
        await StartServeAsync();

        await WaitForUsdcAsync(balance => balance.Available == Funded - 100_000_000 && balance.Reserved == 0, "the withdrawal settled as paid after the restart", mineEachCheck: true);
        await node.MineAsync(5);
        Assert.Equal(new BigInteger(100_000_000), await BalanceOfAsync(recipient));
        var after = await UsdcAsync();
        Assert.Equal((Funded - 100_000_000, BigInteger.Zero), (after.Available, after.Reserved));
    }

    [Fact]
    public async Task A_withdrawal_paid_by_a_process_that_died_before_settling_is_settled_once_by_the_next()
    {
        await node.MineAsync(3);
        await WaitForUsdcAsync(balance => balance.Available == Funded, "alice's deposit credited");
        var (recipient, _) = await RequestWithdrawalAsync(300_000_000, "withdraw-unsettled");

        await StopServeAsync();

        // The process that "died": it executed the payout to confirmed over the same outbox, and never settled it.
        await ConfirmWithoutSettlingAsync();
        Assert.Equal(new BigInteger(300_000_000), await BalanceOfAsync(recipient));

        await StartServeAsync();
        await WaitForUsdcAsync(balance => balance.Available == Funded - 300_000_000 && balance.Reserved == 0, "the confirmed withdrawal settled after the restart");
        await node.MineAsync(5);
        Assert.Equal(new BigInteger(300_000_000), await BalanceOfAsync(recipient));
    }

    /// <summary>Asks, through the signed API, to withdraw alice's USDC to a fresh address; returns it and the request body.</summary>
    private async Task<(EvmAddress Recipient, string Body)> RequestWithdrawalAsync(long units, string idempotencyKey)
    {
        var recipient = EvmPrivateKey.Generate().Address;
        var body = ServeScenario.UsdcWithdrawal(ServeFolder.Chain, units, recipient.ToChecksumString());
        await ServeScenario.PostWithdrawalAsync(http, body, idempotencyKey);
        return (recipient, body);
    }

    /// <summary>Stops the running `clearing serve` (exit code 0) so the test can start the next process.</summary>
    private async Task StopServeAsync()
    {
        await stop.CancelAsync();
        Assert.Equal(0, await serving.WaitAsync(TimeSpan.FromSeconds(30)));
        http.Dispose();
        stop.Dispose();
        stop = new CancellationTokenSource();
    }

    private async Task ConfirmWithoutSettlingAsync()
    {
        var database = ClearingDatabase.FromOptions(folder.Database);
        var lease = new SqlHostLease(database);
        var epoch = (await lease.TryAcquireAsync("serve-chains-test", DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5), CancellationToken.None))!.Epoch;
        using var rpcHttp = new HttpClient();
        var outbox = new OutboxStore(database);
        var journal = new ChainPayoutJournal(
            new OutboxChainActionJournal(outbox, () => epoch, TimeProvider.System),
            new EvmPayouts(new Dictionary<EvmAddress, string> { [usdc] = "USDC" }, EvmAddress.Parse(AnvilNode.DevAccount0)));
        var executor = new EvmExecutor(
            new EvmTransactionSender(new EvmRpcClient(rpcHttp, node.Url), EvmPrivateKey.FromHex(AnvilNode.DevAccount0PrivateKey), node.ChainId),
            journal,
            new EvmExecutorOptions { Chain = ServeFolder.Chain, Vault = vault });
        await Wait.UntilAsync(
            async () =>
            {
                await executor.RunOnceAsync(CancellationToken.None);
                await node.MineAsync(1);
                return (await outbox.OpenAsync(ServeFolder.Chain)).Count == 0;
            },
            TimeSpan.FromSeconds(60),
            "the payout confirmed by the executor of the process that died");
        Assert.Single(journal.Finished);
        await lease.ReleaseAsync("serve-chains-test", epoch, DateTimeOffset.UtcNow, CancellationToken.None);
    }

    private async Task<string> NonceAsync(string account) => (await node.Rpc.CallAsync("eth_getTransactionCount", account, "latest")).GetString()!;

    private Task WaitForUsdcAsync(Func<ServeBalance, bool> condition, string what, bool mineEachCheck = false) =>
        ServeScenario.WaitForBalanceAsync(
            UsdcAsync,
            condition,
            what,
            async () =>
            {
                Assert.False(serving.IsCompleted, "clearing serve exited");
                if (mineEachCheck)
                {
                    await node.MineAsync(1);
                }
            });

    private Task<ServeBalance> UsdcAsync() => ServeScenario.AliceBalanceAsync(http, ServeFolder.Chain, "USDC");

    private Task<BigInteger> BalanceOfAsync(EvmAddress owner) => ServeScenario.Erc20BalanceAsync(node, usdc, owner);

    public async Task DisposeAsync()
    {
        await stop.CancelAsync();
        if (serving is not null)
        {
            await serving.WaitAsync(TimeSpan.FromSeconds(30));
        }

        http?.Dispose();
        stop.Dispose();
        if (node is not null)
        {
            await node.DisposeAsync();
        }

        folder.Dispose();
    }
}

/// <summary>The scenarios with serve on an embedded SQLite file.</summary>
public sealed class ServeOnAnvilWithSqliteTests : ServeOnAnvilTests
{
    protected override Task<PersistenceOptions?> DatabaseAsync() => Task.FromResult<PersistenceOptions?>(null);
}

/// <summary>The scenarios with serve on a fresh PostgreSQL database.</summary>
public sealed class ServeOnAnvilWithPostgresTests(PostgresFixture postgres) : ServeOnAnvilTests, IClassFixture<PostgresFixture>
{
    protected override async Task<PersistenceOptions?> DatabaseAsync() =>
        new() { Provider = "postgresql", ConnectionString = await postgres.CreateDatabaseAsync() };
}
