using System.Collections.Immutable;
using System.Numerics;
using Clearing.Actors;
using Clearing.Actors.Hosting;
using Clearing.Actors.Storage;
using Clearing.Actors.Testing;
using Clearing.Chains;
using Clearing.Chains.Evm.Model;
using Clearing.Chains.Evm.Rpc;
using Clearing.Chains.Evm.Vault;
using Clearing.Domain.Assets;
using Clearing.Domain.Markets;
using Clearing.Domain.Numerics;
using Clearing.Grains;
using Clearing.Grains.Accounts;
using Clearing.Grains.Deposits;
using Clearing.Grains.Durable;
using Clearing.Grains.Risk;
using Clearing.Persistence;
using Clearing.Persistence.ActorStorage;
using Clearing.Persistence.Cursors;
using Clearing.Persistence.Ledger;
using Clearing.Persistence.Migrations;
using Clearing.Persistence.UnitOfWork;
using Clearing.TestKit;
using Npgsql;

namespace Clearing.IntegrationTests.Evm;

/// <summary>
/// The EVM deposit watcher over the durable sink on an actor host backed by PostgreSQL, against a real anvil (one per
/// test): anvil logs → chain deposits grain → account grains → ledger, idempotency keys and cursor in PostgreSQL.
/// </summary>
[Trait("RealComponent", "true")]
public sealed class EvmWatcherOnGrainsTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IAsyncLifetime
{
    private const string ChainName = "chain-a";

    /// <summary>Short, so a successor takes over a dead host's lease one TTL (plus a second) later on its clock.</summary>
    private static readonly TimeSpan LeaseTtl = TimeSpan.FromSeconds(3);

    private readonly HttpClient http = new();
    private AnvilNode node = null!;
    private AnvilContracts contracts = null!;
    private EvmAddress usdc;
    private EvmAddress vault;
    private string connectionString = null!;
    private ClearingDatabase database = null!;

    public async Task InitializeAsync()
    {
        node = await AnvilNode.StartAsync(TwoAnvilChainsFixture.ChainAId);
        contracts = new AnvilContracts(node);
        usdc = await contracts.DeployAsync("TestToken", "string,string,uint8", "USD Coin", "USDC", (byte)6);
        vault = await contracts.DeployVaultAsync(usdc);
        connectionString = await postgres.CreateDatabaseAsync();
        database = new ClearingDatabase(SqlDialect.PostgreSql, connectionString);
        await new SchemaMigrator(database, new FakeClock()).MigrateAsync();
    }

    public async Task DisposeAsync()
    {
        http.Dispose();
        await node.DisposeAsync();
    }

    [Fact]
    public async Task Deposits_are_pending_until_finalized_then_credited_once_into_grain_and_ledger()
    {
        var host = await StartHostAsync("host-1", new FakeClock());
        try
        {
            var watcher = Watcher(host);
            await DepositAsync("alice", 250_000_000);
            await DepositAsync("bob", 7_000_000);
            await DepositAsync("alice", 1_500_000);

            // Finalized is two blocks behind the head: the first two deposits are final, the last (at the head) is
            // pending, shown to its account and worth nothing.
            await watcher.PollOnceAsync(CancellationToken.None);
            var early = await Account(host, "alice").GetSnapshotAsync();
            Assert.Equal((Int128)1_500_000, Assert.Single(early.Pending).Units);
            Assert.Equal((Int128)250_000_000, Assert.Single(early.Balances).Units);
            Assert.Equal(new BigInteger(-257_000_000), await VaultLedgerAsync());

            await node.MineAsync(3);
            var round = await watcher.PollOnceAsync(CancellationToken.None);
            var again = await Watcher(host).PollOnceAsync(CancellationToken.None);

            Assert.Equal(WatchOutcome.Completed, round.Outcome);
            Assert.Equal(0, again.FinalCommitted);
            var alice = await Account(host, "alice").GetSnapshotAsync();
            var bob = await Account(host, "bob").GetSnapshotAsync();
            Assert.Empty(alice.Pending);
            Assert.Equal((Int128)251_500_000, Assert.Single(alice.Balances).Units);
            Assert.Equal((Int128)7_000_000, Assert.Single(bob.Balances).Units);
            await AssertLedgerMatchesGrainAsync(alice);
            await AssertLedgerMatchesGrainAsync(bob);
            Assert.Equal(new BigInteger(-258_500_000), await VaultLedgerAsync());
            Assert.Equal(3, await CreditKeyCountAsync());
            Assert.Equal(await node.BlockNumberAsync("finalized"), (ulong)(await new CursorStore(database).GetAsync(ChainName))!.Position);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    /// <summary>
    /// The kill lands inside a batch's one transaction, after its cursor write and its first two credits (key, journal,
    /// inbox row) and before COMMIT: the test holds the idempotency key of the batch's third deposit in its own open
    /// PostgreSQL transaction, so that credit's INSERT waits (PostgreSQL makes a concurrent insert of a held key wait for
    /// the holder's outcome). Nothing of the batch is visible meanwhile. Then the host's database session is terminated
    /// in the middle of that credit (its transaction rolls back as in a process death), its clock never moves again (it
    /// never renews the lease) and it is never stopped. A new host takes the lapsed lease under a new epoch and a new
    /// watcher reads again from the stored cursor.
    /// </summary>
    [Fact]
    public async Task Host_killed_between_credits_and_cursor_write_loses_no_deposit_and_credits_none_twice_after_restart()
    {
        var crashedClock = new FakeClock();
        var crashed = await StartHostAsync("host-1", crashedClock);

        // A first batch commits normally, so the cursor the restart must resume from is not the vault's start block.
        await DepositAsync("alice", 1_000_000);
        await DepositAsync("bob", 2_000_000);
        await node.MineAsync(3);
        await Watcher(crashed).PollOnceAsync(CancellationToken.None);
        var cursorBefore = await new CursorStore(database).GetAsync(ChainName);
        Assert.NotNull(cursorBefore);
        Assert.Equal(2, await CreditKeyCountAsync());

        // The second batch: five deposits, all final before the watcher reads them.
        await DepositAsync("alice", 10_000_000);
        await DepositAsync("bob", 20_000_000);
        var carolKey = await DepositAsync("carol", 30_000_000);
        await DepositAsync("alice", 40_000_000);
        await DepositAsync("bob", 50_000_000);
        await node.MineAsync(3);

        await using (var holder = new NpgsqlConnection(connectionString))
        {
            await holder.OpenAsync();
            await using var hold = await holder.BeginTransactionAsync();
            await using (var take = new NpgsqlCommand("INSERT INTO idempotency_key (idempotency_key, result_json, created_at_ms) VALUES (@key, '{}', 0)", holder, hold))
            {
                take.Parameters.AddWithValue("key", IdempotencyKeys.Credit(carolKey));
                await take.ExecuteNonQueryAsync();
            }

            var dyingRound = Watcher(crashed).PollOnceAsync(CancellationToken.None);
            int? waiting = null;
            await Wait.UntilAsync(async () => (waiting = await BackendWaitingOnALockAsync(holder.ProcessID)) is not null, TimeSpan.FromSeconds(60), "the batch's third credit to wait on its held key");

            // Inside the batch's transaction: its cursor write and first two credits are written, none committed.
            Assert.Equal(2, await CreditKeyCountAsync());
            Assert.Equal(cursorBefore, await new CursorStore(database).GetAsync(ChainName));
            Assert.Equal(new BigInteger(1_000_000), await new LedgerStore(database).BalanceAsync(LedgerAccounts.Margin("alice"), ChainName, "USDC"));
            Assert.Equal(new BigInteger(2_000_000), await new LedgerStore(database).BalanceAsync(LedgerAccounts.Margin("bob"), ChainName, "USDC"));

            await using (var kill = new NpgsqlCommand("SELECT pg_terminate_backend(@pid)", holder, hold))
            {
                kill.Parameters.AddWithValue("pid", waiting!.Value);
                Assert.True((bool)(await kill.ExecuteScalarAsync())!);
            }

            // The round dies with its session, inside the credit that was waiting: nothing of that credit is committed.
            var death = await Assert.ThrowsAsync<PostgresException>(() => dyingRound);
            Assert.Equal(PostgresErrorCodes.AdminShutdown, death.SqlState);
            await hold.RollbackAsync();
        }

        // What the dead host left: nothing of the batch, the cursor still at the first batch.
        Assert.Equal(2, await CreditKeyCountAsync());
        Assert.Equal(cursorBefore, await new CursorStore(database).GetAsync(ChainName));
        Assert.Equal(BigInteger.Zero, await new LedgerStore(database).BalanceAsync(LedgerAccounts.Margin("carol"), ChainName, "USDC"));
        var deadEpoch = await LeaseEpochAsync();

        var successor = await StartHostAsync("host-2", new FakeClock(crashedClock.GetUtcNow() + LeaseTtl + TimeSpan.FromSeconds(1)));
        try
        {
            Assert.Equal(("host-2", deadEpoch + 1), (await LeaseHolderAsync(), await LeaseEpochAsync()));
            var round = await Watcher(successor).PollOnceAsync(CancellationToken.None);
            var idle = await Watcher(successor).PollOnceAsync(CancellationToken.None);

            // The re-read started after the stored cursor: exactly the second batch's five deposits, none of the first.
            Assert.Equal((WatchOutcome.Completed, 5), (round.Outcome, round.FinalCommitted));
            Assert.Equal(0, idle.FinalCommitted);
            Assert.Equal(7, await CreditKeyCountAsync());
            Assert.Equal(round.FinalizedHeight, (ulong)(await new CursorStore(database).GetAsync(ChainName))!.Position);
            (string Account, long Units)[] expected = [("alice", 51_000_000), ("bob", 72_000_000), ("carol", 30_000_000)];
            foreach (var (account, units) in expected)
            {
                var snapshot = await Account(successor, account).GetSnapshotAsync();
                Assert.Equal((Int128)units, Assert.Single(snapshot.Balances).Units);
                await AssertLedgerMatchesGrainAsync(snapshot);
            }

            Assert.Equal(new BigInteger(-153_000_000), await VaultLedgerAsync());
        }
        finally
        {
            await successor.StopAsync();
        }
    }

    private static IMarginAccountGrain Account(ActorHost host, string account) => host.GrainFactory.GetGrain<IMarginAccountGrain>(account);

    /// <summary>Deposits for <paramref name="account"/> (mint, approve, deposit: three blocks) and returns the deposit's key as the watcher forms it.</summary>
    private async Task<DepositKey> DepositAsync(string account, long units)
    {
        var tx = await contracts.DepositTokenAsync(vault, usdc, AnvilNode.DevAccount1, AccountIdCodec.ToBytes32(account), units);
        var receipt = await contracts.ReceiptAsync(tx);
        var log = receipt.GetProperty("logs").EnumerateArray()
            .Single(l => EvmAddress.Parse(l.GetProperty("address").GetString()!) == vault);
        return new DepositKey(ChainName, tx, Convert.ToInt32(log.GetProperty("logIndex").GetString(), 16));
    }

    private EvmDepositWatcher Watcher(ActorHost host) =>
        new(new EvmRpcClient(http, node.Url),
            new EvmVaultOptions { Chain = ChainName, ChainId = node.ChainId, Vault = vault, Tokens = new Dictionary<EvmAddress, string> { [usdc] = "USDC" } },
            new DurableDepositSink(host.GrainFactory));

    private async Task AssertLedgerMatchesGrainAsync(AccountSnapshot snapshot)
    {
        var ledger = new LedgerStore(database);
        Assert.Empty(await ledger.TrialBalanceAsync());
        var journal = (await ledger.BalancesAsync(LedgerAccounts.Margin(snapshot.AccountId)))
            .Where(b => !b.Amount.IsZero)
            .Select(b => (b.Chain, b.Asset, b.Amount));
        Assert.Equal(snapshot.Balances.Select(b => (b.Chain, b.Asset, (BigInteger)b.Units)), journal);
    }

    private Task<BigInteger> VaultLedgerAsync() => new LedgerStore(database).BalanceAsync(LedgerAccounts.Vault(ChainName), ChainName, "USDC");

    private async Task<long> CreditKeyCountAsync() => (long)(await ScalarAsync("SELECT count(*) FROM idempotency_key WHERE idempotency_key LIKE 'credit:%'"))!;

    private async Task<long> LeaseEpochAsync() => (long)(await ScalarAsync("SELECT epoch FROM host_lease"))!;

    private async Task<string> LeaseHolderAsync() => (string)(await ScalarAsync("SELECT holder FROM host_lease"))!;

    /// <summary>The backend (other than the test's own) of this database that waits on a lock: the host's blocked credit.</summary>
    private async Task<int?> BackendWaitingOnALockAsync(int testBackend) =>
        await ScalarAsync("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> " + testBackend) as int?;

    private async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    private async Task<ActorHost> StartHostAsync(string hostId, FakeClock clock)
    {
        var usdcKey = new AssetKey(new ChainId(ChainName), "USDC");
        var risk = new RiskConfiguration(usdcKey)
        {
            Collateral = ImmutableDictionary<AssetKey, CollateralParams>.Empty
                .Add(usdcKey, new CollateralParams(usdcKey, 6, Fixed.One, Fixed.One, Fixed.One, Fixed.One)),
        };
        var stores = SqlActorStores.For(database);
        var services = new Services(new Dictionary<Type, object>
        {
            [typeof(DurableUnitOfWork)] = new DurableUnitOfWork(database),
            [typeof(CursorStore)] = new CursorStore(database),
            [typeof(IRiskConfigurationProvider)] = risk,
        });
        var host = new ActorHost(new ActorHostOptions { HostId = hostId, LeaseTtl = LeaseTtl, LeaseRenewInterval = TimeSpan.FromSeconds(1) },
            new GrainRegistry().AddClearingGrains(), stores, clock, services);
        await host.StartAsync();
        return host;
    }

    private sealed class Services(IReadOnlyDictionary<Type, object> services) : IServiceProvider
    {
        public object? GetService(Type serviceType) => services.GetValueOrDefault(serviceType);
    }
}
