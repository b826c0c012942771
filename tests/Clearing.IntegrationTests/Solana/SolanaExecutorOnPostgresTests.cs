using Clearing.Actors.Storage;
using Clearing.Chains;
using Clearing.Chains.Solana.Programs;
using Clearing.Chains.Solana.Rpc;
using Clearing.Chains.Solana.Signing;
using Clearing.Chains.Solana.Vault;
using Clearing.Persistence;
using Clearing.Persistence.ActorStorage;
using Clearing.Persistence.Migrations;
using Clearing.Persistence.Outbox;
using Clearing.IntegrationTests.Execution;
using Clearing.TestKit;

namespace Clearing.IntegrationTests.Solana;

/// <summary>
/// The Solana executor over the durable outbox on a real PostgreSQL and the devnet: "a restart" is a new executor and a
/// new journal over the same database.
/// </summary>
[Trait("RealComponent", "true")]
public sealed class SolanaExecutorOnPostgresTests(SolanaDevnetFixture chain, PostgresFixture postgres)
    : IClassFixture<SolanaDevnetFixture>, IClassFixture<PostgresFixture>
{
    private const ulong VaultHoldingUnits = 5_000_000;
    private const ulong SeizedUnits = 700_000;

    [Fact]
    public async Task A_seizure_signed_before_a_crash_whose_blockhash_expires_is_re_signed_once_by_the_next_process_and_executed_once()
    {
        using var vault = await SolanaVaultScenario.StartAsync(chain.Devnet, seed: 80);
        await vault.FinalizeAsync(await vault.SendAsync(
            [TokenProgram.MintTo(vault.Mint.PublicKey, vault.VaultTokenAccount, vault.Depositor.PublicKey, VaultHoldingUnits)], skipPreflight: false));
        var database = ClearingDatabase.FromOptions(new PersistenceOptions { Provider = "postgresql", ConnectionString = await postgres.CreateDatabaseAsync() });
        await new SchemaMigrator(database, TimeProvider.System).MigrateAsync();
        var epoch = (await new SqlHostLease(database).TryAcquireAsync("host-a", DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5), default))!.Epoch;
        var recipient = Keypair.FromSeed(Enumerable.Repeat((byte)180, 32).ToArray()).PublicKey;
        var actionId = await new OutboxStore(database).PlanAsync(
            new PlannedAction("liq-sol-pg-1", SolanaVaultScenario.Chain, "seizure", new SolanaPayout(vault.Mint.PublicKey, recipient, SeizedUnits).ToJson()),
            epoch,
            DateTimeOffset.UtcNow);
        OutboxChainActionJournal Journal() => new(new OutboxStore(database), () => epoch, TimeProvider.System);
        SolanaExecutor Executor(IChainActionJournal journal) => new(vault.Client, journal, vault.Options(), vault.Authority);

        await Assert.ThrowsAsync<SimulatedCrashException>(() => Executor(new CrashAfterBindJournal(Journal())).RunOnceAsync(CancellationToken.None));
        var original = Assert.Single(await Journal().OpenAsync(SolanaVaultScenario.Chain, CancellationToken.None)).Binding!;
        await chain.Devnet.Rpc.CallAsync("devnet_expireBlockhash");

        var next = Executor(Journal());
        Assert.Equal(0, (await next.RunOnceAsync(CancellationToken.None)).Rebound); // refused bytes, height not passed: keep the binding
        var finalizedHeight = (await vault.Client.GetBlockHeightAsync(Commitment.Finalized)).Value;
        await chain.Devnet.AdvanceSlotsAsync(checked((int)((ulong)original.LastValidBlockHeight!.Value - finalizedHeight + 1)));
        Assert.Equal(1, (await next.RunOnceAsync(CancellationToken.None)).Rebound);
        var replacement = Assert.Single(await Journal().OpenAsync(SolanaVaultScenario.Chain, CancellationToken.None)).Binding!;
        Assert.NotEqual(original.TxId, replacement.TxId);
        await vault.FinalizeAsync(replacement.TxId);
        Assert.Equal(1, (await Executor(Journal()).RunOnceAsync(CancellationToken.None)).Confirmed);

        Assert.Empty(await Journal().OpenAsync(SolanaVaultScenario.Chain, CancellationToken.None));
        Assert.Equal(OutboxState.Confirmed, (await new OutboxStore(database).FindAsync(actionId))!.State);
        await vault.FinalizeEverythingAsync();
        Assert.Equal(SeizedUnits, await vault.TokenBalanceAsync(AssociatedTokenAccountProgram.FindAddress(recipient, vault.Mint.PublicKey)));
        Assert.Equal(VaultHoldingUnits - SeizedUnits, await vault.TokenBalanceAsync(vault.VaultTokenAccount));
        Assert.Null((await vault.Client.GetTransactionAsync(original.TxId, Commitment.Finalized)).Value);
    }
}
