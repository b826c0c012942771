using System.Collections.Immutable;
using System.Numerics;
using Clearing.Actors;
using Clearing.Actors.Hosting;
using Clearing.Actors.Storage;
using Clearing.Actors.Testing;
using Clearing.Chains.Solana.Vault;
using Clearing.Domain.Assets;
using Clearing.Domain.Markets;
using Clearing.Domain.Numerics;
using Clearing.Grains;
using Clearing.Grains.Accounts;
using Clearing.Grains.Deposits;
using Clearing.Grains.Risk;
using Clearing.Persistence;
using Clearing.Persistence.ActorStorage;
using Clearing.Persistence.Cursors;
using Clearing.Persistence.Migrations;
using Clearing.Persistence.UnitOfWork;
using Clearing.TestKit;

namespace Clearing.IntegrationTests.Solana;

/// <summary>
/// From the devnet to PostgreSQL: the Solana watcher feeding the durable sink (chain deposits grain → account and
/// suspense grains, each credit idempotent on its deposit key, the cursor in the same commit) on a real database.
/// </summary>
[Trait("RealComponent", "true")]
public sealed class SolanaDepositsOnPostgresTests(SolanaDevnetFixture chain, PostgresFixture postgres)
    : IClassFixture<SolanaDevnetFixture>, IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task A_memo_deposit_is_credited_once_and_one_without_memo_is_held_in_suspense_across_a_watcher_restart()
    {
        using var vault = await SolanaVaultScenario.StartAsync(chain.Devnet, seed: 70);
        var database = new ClearingDatabase(SqlDialect.PostgreSql, await postgres.CreateDatabaseAsync());
        await new SchemaMigrator(database, new FakeClock()).MigrateAsync();
        var host = await StartHostAsync(database);
        try
        {
            var credited = await vault.DepositAsync(300_000, "alice");
            var unattributed = await vault.DepositAsync(55_000);
            await vault.FinalizeAsync(credited);
            await vault.FinalizeAsync(unattributed);

            await new SolanaDepositWatcher(vault.Client, vault.Options(), new DurableDepositSink(host.GrainFactory)).PollOnceAsync(CancellationToken.None);
            var restarted = new SolanaDepositWatcher(vault.Client, vault.Options(), new DurableDepositSink(host.GrainFactory));
            await restarted.PollOnceAsync(CancellationToken.None);
            await restarted.PollOnceAsync(CancellationToken.None);

            var alice = await host.GrainFactory.GetGrain<IMarginAccountGrain>("alice").GetSnapshotAsync();
            Assert.Equal((Int128)300_000, Assert.Single(alice.Balances).Units);
            var held = Assert.Single(await host.GrainFactory.GetGrain<ISuspenseGrain>(SolanaVaultScenario.Chain).GetHeldAsync());
            Assert.Equal((unattributed, new BigInteger(55_000)), (held.Key.TransactionId, held.Amount));
            var cursor = await new DurableDepositSink(host.GrainFactory).ReadCursorAsync(SolanaVaultScenario.Chain, CancellationToken.None);
            Assert.Equal(unattributed, SolanaWatchCursor.Parse(cursor!.Value.BlockHash)[vault.VaultTokenAccount].Signature);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    private static async Task<ActorHost> StartHostAsync(ClearingDatabase database)
    {
        var usdc = new AssetKey(new ChainId(SolanaVaultScenario.Chain), "USDC");
        var risk = new RiskConfiguration(usdc)
        {
            Collateral = ImmutableDictionary<AssetKey, CollateralParams>.Empty
                .Add(usdc, new CollateralParams(usdc, SolanaVaultScenario.Decimals, Fixed.One, Fixed.One, Fixed.One, Fixed.One)),
        };
        var stores = SqlActorStores.For(database);
        var services = new Services(new Dictionary<Type, object>
        {
            [typeof(DurableUnitOfWork)] = new DurableUnitOfWork(database),
            [typeof(CursorStore)] = new CursorStore(database),
            [typeof(IRiskConfigurationProvider)] = risk,
        });
        var host = new ActorHost(new ActorHostOptions { HostId = "solana-watcher-test" }, new GrainRegistry().AddClearingGrains(), stores, new FakeClock(), services);
        await host.StartAsync();
        return host;
    }

    private sealed class Services(IReadOnlyDictionary<Type, object> services) : IServiceProvider
    {
        public object? GetService(Type serviceType) => services.GetValueOrDefault(serviceType);
    }
}
