using System.Numerics;
using Clearing.Actors.Storage;
using Clearing.Chains;
using Clearing.Chains.Evm.Abi;
using Clearing.Chains.Evm.Execution;
using Clearing.Chains.Evm.Model;
using Clearing.Chains.Evm.Rpc;
using Clearing.Chains.Evm.Signing;
using Clearing.Persistence;
using Clearing.Persistence.ActorStorage;
using Clearing.Persistence.Migrations;
using Clearing.Persistence.Outbox;
using Clearing.IntegrationTests.Execution;
using Clearing.TestKit;

namespace Clearing.IntegrationTests.Evm;

/// <summary>
/// The EVM executor over the durable outbox on a real PostgreSQL and a real anvil: "a restart" is a new executor and a
/// new journal over the same database, and a deposed host's executor is fenced.
/// </summary>
[Trait("RealComponent", "true")]
public sealed class EvmExecutorOnPostgresTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IAsyncLifetime
{
    private const string Chain = "chain-a";
    private static readonly TimeSpan LeaseTtl = TimeSpan.FromMinutes(5);
    private readonly HttpClient http = new();
    private AnvilNode node = null!;
    private EvmRpcClient rpc = null!;
    private ClearingDatabase database = null!;
    private long epoch;
    private EvmAddress usdc;
    private EvmAddress vault;

    public async Task InitializeAsync()
    {
        node = await AnvilNode.StartAsync(TwoAnvilChainsFixture.ChainAId);
        rpc = new EvmRpcClient(http, node.Url);
        (usdc, vault) = await new AnvilContracts(node).DeployFundedVaultAsync(1_000_000_000);
        database = ClearingDatabase.FromOptions(new PersistenceOptions { Provider = "postgresql", ConnectionString = await postgres.CreateDatabaseAsync() });
        await new SchemaMigrator(database, TimeProvider.System).MigrateAsync();
        epoch = (await new SqlHostLease(database).TryAcquireAsync("host-a", DateTimeOffset.UtcNow, LeaseTtl, default))!.Epoch;
    }

    [Fact]
    public async Task A_seizure_signed_before_a_crash_is_sent_unchanged_by_the_next_process_and_executed_once()
    {
        var recipient = EvmPrivateKey.Generate().Address;
        var actionId = await PlanAsync("liq-pg-1", recipient, 300_000_000);

        await Assert.ThrowsAsync<SimulatedCrashException>(() => Executor(new CrashAfterBindJournal(Journal())).RunOnceAsync(CancellationToken.None));
        var bound = (await new OutboxStore(database).FindAsync(actionId))!;
        Assert.Equal(OutboxState.Signed, bound.State);

        // The next process: a new journal and executor over the same database.
        var restarted = Executor(Journal());
        await restarted.RunOnceAsync(CancellationToken.None);
        await node.MineAsync(2);
        await restarted.RunOnceAsync(CancellationToken.None);

        var done = (await new OutboxStore(database).FindAsync(actionId))!;
        Assert.Equal((OutboxState.Confirmed, bound.TxId, bound.Nonce), (done.State, done.TxId, done.Nonce));
        Assert.Equal(new BigInteger(300_000_000), await BalanceAsync(recipient));
    }

    [Fact]
    public async Task A_retry_storm_over_the_database_pays_every_decision_exactly_once()
    {
        var recipients = Enumerable.Range(0, 3).Select(_ => EvmPrivateKey.Generate().Address).ToList();
        var ids = new List<long>();
        for (var i = 0; i < recipients.Count; i++)
        {
            ids.Add(await PlanAsync($"liq-pg-storm-{i}", recipients[i], 1_000_000 * (i + 1)));
        }

        var executors = Enumerable.Range(0, 6).Select(_ => Executor(Journal())).ToList();
        var outbox = new OutboxStore(database);
        for (var round = 1; (await outbox.OpenAsync(Chain)).Count > 0; round++)
        {
            Assert.True(round <= 20, "every seizure should be confirmed within 20 rounds");
            await Task.WhenAll(executors.Select(e => e.RunOnceAsync(CancellationToken.None)));
            await node.MineAsync(1);
        }

        for (var i = 0; i < recipients.Count; i++)
        {
            Assert.Equal(OutboxState.Confirmed, (await outbox.FindAsync(ids[i]))!.State);
            Assert.Equal(new BigInteger(1_000_000 * (i + 1)), await BalanceAsync(recipients[i]));
        }
    }

    [Fact]
    public async Task The_executor_of_a_deposed_host_is_fenced_and_sends_nothing()
    {
        await PlanAsync("liq-pg-fenced", EvmPrivateKey.Generate().Address, 1_000_000);
        // Another host takes the lease once ours has lapsed.
        await new SqlHostLease(database).TryAcquireAsync("host-b", DateTimeOffset.UtcNow + LeaseTtl + TimeSpan.FromSeconds(1), LeaseTtl, default);
        var nonceBefore = (await rpc.GetTransactionCountAsync(EvmAddress.Parse(AnvilNode.DevAccount0), BlockTag.Pending)).Value;

        await Assert.ThrowsAsync<FencedWriteException>(() => Executor(Journal()).RunOnceAsync(CancellationToken.None));

        Assert.Equal(nonceBefore, (await rpc.GetTransactionCountAsync(EvmAddress.Parse(AnvilNode.DevAccount0), BlockTag.Pending)).Value);
        Assert.Equal(OutboxState.Planned, (await new OutboxStore(database).OpenAsync(Chain)).Single().State);
    }

    public async Task DisposeAsync()
    {
        http.Dispose();
        await node.DisposeAsync();
    }

    private Task<long> PlanAsync(string decisionId, EvmAddress to, BigInteger amount) =>
        new OutboxStore(database).PlanAsync(
            new PlannedAction(decisionId, Chain, EvmExecutor.SeizureKind, new EvmPayout(usdc.ToChecksumString(), to.ToChecksumString(), amount.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToJson()),
            epoch,
            DateTimeOffset.UtcNow);

    private OutboxChainActionJournal Journal() => new(new OutboxStore(database), () => epoch, TimeProvider.System);

    // anvil's dev account 0: a public LOCAL DEVNET key.
    private EvmExecutor Executor(IChainActionJournal journal) =>
        new(new EvmTransactionSender(rpc, EvmPrivateKey.FromHex(AnvilNode.DevAccount0PrivateKey), node.ChainId), journal, new EvmExecutorOptions { Chain = Chain, Vault = vault });

    private async Task<BigInteger> BalanceAsync(EvmAddress owner) =>
        (BigInteger)Erc20Abi.BalanceOf.DecodeOutput((await rpc.CallAsync(new CallRequest { To = usdc, Data = Erc20Abi.EncodeBalanceOf(owner) }, BlockTag.Latest)).Value)[0];
}
