using Clearing.Chains;
using Clearing.Chains.Solana.Builders;
using Clearing.Chains.Solana.Encoding;
using Clearing.Chains.Solana.Programs;
using Clearing.Chains.Solana.Rpc;
using Clearing.Chains.Solana.Signing;
using Clearing.Chains.Solana.Vault;
using Clearing.IntegrationTests.Execution;
using Clearing.TestKit;

namespace Clearing.IntegrationTests.Solana;

/// <summary>
/// The Solana executor against the LiteSVM devnet: seizures paid from the vault token account, exactly once, through
/// a crash after signing, an expired blockhash and a storm of concurrent passes. Balances are read from the chain.
/// </summary>
[Trait("RealComponent", "true")]
public sealed class SolanaExecutorTests(SolanaDevnetFixture fixture) : IClassFixture<SolanaDevnetFixture>
{
    private const ulong VaultHoldingUnits = 10_000_000;
    private const ulong SeizedUnits = 1_234_567;

    [Fact]
    public async Task A_seizure_is_sent_then_confirmed_at_finality_and_pays_the_recipient_once()
    {
        var (vault, journal, action, recipient) = await SetUpAsync(seed: 40);
        using var _ = vault;
        var executor = Executor(vault, journal);

        var first = await executor.RunOnceAsync(CancellationToken.None);
        Assert.Equal((1, 1, 0), (first.Bound, first.Sent, first.Confirmed));
        var binding = journal.Get(action.ActionId).Binding!;
        await vault.FinalizeAsync(binding.TxId);
        var second = await executor.RunOnceAsync(CancellationToken.None);

        Assert.Equal(1, second.Confirmed);
        Assert.Equal(ChainActionState.Confirmed, journal.Get(action.ActionId).State);
        await AssertPaidOnceAsync(vault, recipient);
        var onChain = (await vault.Client.GetTransactionAsync(binding.TxId, Commitment.Finalized)).Value!;
        Assert.Equal(action.DecisionId, MemoProgram.Decode(onChain.DecompileInstructions()[^1])!.Text);
    }

    [Fact]
    public async Task A_seizure_survives_a_restart_after_signing_and_before_sending_by_sending_the_same_bytes()
    {
        var (vault, journal, action, recipient) = await SetUpAsync(seed: 41);
        using var _ = vault;

        await Assert.ThrowsAsync<SimulatedCrashException>(() => Executor(vault, new CrashAfterBindJournal(journal.History)).RunOnceAsync(CancellationToken.None));
        var bound = journal.Get(action.ActionId);
        Assert.Equal(ChainActionState.Signed, bound.State);
        Assert.Null((await vault.Client.GetSignatureStatusesAsync([bound.Binding!.TxId], searchTransactionHistory: true)).Value.Value[0]); // nothing was sent

        var restarted = Executor(vault, journal);
        var pass = await restarted.RunOnceAsync(CancellationToken.None);
        Assert.Equal((0, 1, 0), (pass.Bound, pass.Sent, pass.Rebound));
        await vault.FinalizeAsync(bound.Binding.TxId);
        Assert.Equal(1, (await restarted.RunOnceAsync(CancellationToken.None)).Confirmed);

        Assert.Equal([bound.Binding], journal.BindingsOf(action.ActionId));
        var landed = (await vault.Client.GetTransactionAsync(bound.Binding.TxId, Commitment.Finalized)).Value!;
        var signedBefore = Transaction.FromBase64(bound.Binding.SignedTransaction);
        Assert.Equal(signedBefore.Message.Serialize(), landed.ToMessage().Serialize());
        Assert.Equal(bound.Binding.TxId, landed.Transaction.Signatures[0]);
        await AssertPaidOnceAsync(vault, recipient);
    }

    [Fact]
    public async Task An_expired_blockhash_is_re_signed_once_only_after_its_last_valid_height_and_executes_once()
    {
        var (vault, journal, action, recipient) = await SetUpAsync(seed: 42);
        using var _ = vault;
        await Assert.ThrowsAsync<SimulatedCrashException>(() => Executor(vault, new CrashAfterBindJournal(journal.History)).RunOnceAsync(CancellationToken.None));
        var original = journal.Get(action.ActionId).Binding!;
        await fixture.Devnet.Rpc.CallAsync("devnet_expireBlockhash");

        var executor = Executor(vault, journal);
        var refused = await executor.RunOnceAsync(CancellationToken.None);
        Assert.Equal((0, 0), (refused.Rebound, refused.Sent)); // the old bytes are refused, but the height has not passed: no new signature yet
        Assert.Single(refused.Problems);
        Assert.Equal(original, journal.Get(action.ActionId).Binding);

        var finalizedHeight = (await vault.Client.GetBlockHeightAsync(Commitment.Finalized)).Value;
        await fixture.Devnet.AdvanceSlotsAsync(checked((int)((ulong)original.LastValidBlockHeight!.Value - finalizedHeight + 1)));
        var rebound = await executor.RunOnceAsync(CancellationToken.None);
        Assert.Equal((1, 1), (rebound.Rebound, rebound.Sent));
        var replacement = journal.Get(action.ActionId).Binding!;
        Assert.NotEqual(original.TxId, replacement.TxId);
        await vault.FinalizeAsync(replacement.TxId);
        for (var pass = 0; pass < 3; pass++)
        {
            await executor.RunOnceAsync(CancellationToken.None);
        }

        Assert.Equal(ChainActionState.Confirmed, journal.Get(action.ActionId).State);
        Assert.Equal([original, replacement], journal.BindingsOf(action.ActionId));
        Assert.Null((await vault.Client.GetTransactionAsync(original.TxId, Commitment.Finalized)).Value);
        await AssertPaidOnceAsync(vault, recipient);
    }

    [Fact]
    public async Task A_retry_storm_of_concurrent_executor_passes_moves_the_tokens_once()
    {
        var (vault, journal, action, recipient) = await SetUpAsync(seed: 43);
        using var _ = vault;
        var executors = Enumerable.Range(0, 4).Select(_ => Executor(vault, journal)).ToList();

        Task<SolanaExecutorPass[]> StormAsync() => Task.WhenAll(executors.SelectMany(e => Enumerable.Range(0, 6).Select(_ => e.RunOnceAsync(CancellationToken.None))));

        var firstStorm = await StormAsync();
        Assert.Equal(1, firstStorm.Sum(p => p.Bound));
        var binding = journal.Get(action.ActionId).Binding!;
        await vault.FinalizeAsync(binding.TxId);
        var secondStorm = await StormAsync();

        Assert.Equal(1, secondStorm.Sum(p => p.Confirmed));
        Assert.Equal(0, firstStorm.Concat(secondStorm).Sum(p => p.Rebound));
        Assert.Equal(ChainActionState.Confirmed, journal.Get(action.ActionId).State);
        Assert.Equal([binding], journal.BindingsOf(action.ActionId));
        await AssertPaidOnceAsync(vault, recipient);
        var vaultHistory = (await vault.Client.GetSignaturesForAddressAsync(vault.VaultTokenAccount, Commitment.Finalized)).Value;
        Assert.Single(vaultHistory, s => s.Memo?.Contains(action.DecisionId, StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task A_payout_of_a_mint_outside_the_allowlist_fails_without_signing()
    {
        var (vault, journal, _, recipient) = await SetUpAsync(seed: 44);
        using var _ = vault;
        var stray = journal.Plan("seizure-stray", SolanaVaultScenario.Chain, "seizure", new SolanaPayout(recipient, recipient, 5).ToJson());

        var pass = await Executor(vault, journal).RunOnceAsync(CancellationToken.None);

        Assert.Equal(ChainActionState.Failed, journal.Get(stray.ActionId).State);
        Assert.Contains("is not in solana-devnet's allowlist", journal.FailureReason(stray.ActionId), StringComparison.Ordinal);
        Assert.Empty(journal.BindingsOf(stray.ActionId));
        Assert.Equal(1, pass.Failed);
    }

    private async Task<(SolanaVaultScenario Vault, Journals Journal, ChainAction Action, PublicKey Recipient)> SetUpAsync(byte seed)
    {
        var vault = await SolanaVaultScenario.StartAsync(fixture.Devnet, seed);
        await vault.FinalizeAsync(await vault.SendAsync(
            [TokenProgram.MintTo(vault.Mint.PublicKey, vault.VaultTokenAccount, vault.Depositor.PublicKey, VaultHoldingUnits)], skipPreflight: false));
        var recipient = Keypair.FromSeed(Enumerable.Repeat((byte)(seed + 100), 32).ToArray()).PublicKey;
        var journal = new Journals(new MemoryChainActionJournal());
        var action = journal.Plan($"seizure-{seed}", SolanaVaultScenario.Chain, "seizure", new SolanaPayout(vault.Mint.PublicKey, recipient, SeizedUnits).ToJson());
        return (vault, journal, action, recipient);
    }

    private static SolanaExecutor Executor(SolanaVaultScenario vault, IChainActionJournal journal) =>
        new(vault.Client, journal, vault.Options(), vault.Authority);

    private static SolanaExecutor Executor(SolanaVaultScenario vault, Journals journal) => Executor(vault, journal.History);

    private static async Task AssertPaidOnceAsync(SolanaVaultScenario vault, PublicKey recipient)
    {
        await vault.FinalizeEverythingAsync();
        Assert.Equal(SeizedUnits, await vault.TokenBalanceAsync(AssociatedTokenAccountProgram.FindAddress(recipient, vault.Mint.PublicKey)));
        Assert.Equal(VaultHoldingUnits - SeizedUnits, await vault.TokenBalanceAsync(vault.VaultTokenAccount));
    }

    /// <summary>The in-memory outbox (plan, read) and the binding history every executor writes through.</summary>
    private sealed class Journals(MemoryChainActionJournal memory)
    {
        public BindingHistoryJournal History { get; } = new(memory);

        public ChainAction Plan(string decisionId, string chain, string kind, string payloadJson) => memory.Plan(decisionId, chain, kind, payloadJson);

        public ChainAction Get(long actionId) => memory.Get(actionId);

        public string? FailureReason(long actionId) => memory.FailureReason(actionId);

        public IReadOnlyList<ChainActionBinding> BindingsOf(long actionId) => History.BindingsOf(actionId);
    }
}
