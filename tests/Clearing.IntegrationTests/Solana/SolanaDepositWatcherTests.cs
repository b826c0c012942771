using System.Globalization;
using System.Numerics;
using System.Text.Json;
using Clearing.Chains;
using Clearing.Chains.Solana.Builders;
using Clearing.Chains.Solana.Encoding;
using Clearing.Chains.Solana.Programs;
using Clearing.Chains.Solana.Signing;
using Clearing.Chains.Solana.Rpc;
using Clearing.Chains.Solana.Vault;
using Clearing.IntegrationTests.Evm;
using Clearing.TestKit;

namespace Clearing.IntegrationTests.Solana;

/// <summary>
/// The Solana deposit watcher against the LiteSVM devnet: real SPL Token, Memo and System programs, finalized lagging
/// processed by 8 slots, history read through getSignaturesForAddress. The sink records what was proposed.
/// </summary>
[Trait("RealComponent", "true")]
public sealed class SolanaDepositWatcherTests(SolanaDevnetFixture fixture) : IClassFixture<SolanaDevnetFixture>
{
    [Fact]
    public async Task A_memo_deposit_is_pending_while_confirmed_and_credited_once_at_finality()
    {
        using var vault = await SolanaVaultScenario.StartAsync(fixture.Devnet, seed: 1);
        var sink = new RecordingDepositSink();
        var watcher = new SolanaDepositWatcher(vault.Client, vault.Options(), sink);
        await watcher.PollOnceAsync(CancellationToken.None);
        Assert.Empty(sink.ProposedFinal); // the vault account's creation moved no tokens into it

        var signature = await vault.DepositAsync(250_000, "alice");
        await fixture.Devnet.AdvanceSlotsAsync(1); // confirmed, not finalized
        await watcher.PollOnceAsync(CancellationToken.None);
        Assert.Empty(sink.ProposedFinal);
        var pending = Assert.Single(sink.Pending(SolanaVaultScenario.Chain));
        Assert.Equal(("alice", new BigInteger(250_000)), (pending.AccountId, pending.Amount));

        await vault.FinalizeAsync(signature);
        await watcher.PollOnceAsync(CancellationToken.None);
        await watcher.PollOnceAsync(CancellationToken.None); // a second round finds nothing new

        var credited = Assert.Single(sink.ProposedFinal);
        var details = (await vault.Client.GetTransactionAsync(signature, Commitment.Finalized)).Value!;
        var vaultIndex = details.AllAccountKeys.ToList().IndexOf(vault.VaultTokenAccount);
        Assert.Equal(new DepositKey(SolanaVaultScenario.Chain, signature, vaultIndex), credited.Key);
        Assert.Equal(("alice", "USDC", vault.Mint.PublicKey.ToString(), new BigInteger(250_000)), (credited.AccountId, credited.Asset, credited.Token, credited.Amount));
        Assert.Equal(vault.Depositor.PublicKey.ToString(), credited.Depositor);
        Assert.Equal(details.Slot, credited.Height);
        Assert.Null(credited.SuspenseReason);
        Assert.Empty(sink.Pending(SolanaVaultScenario.Chain));
        var anchors = SolanaWatchCursor.Parse(sink.Cursor(SolanaVaultScenario.Chain)!.Value.BlockHash);
        Assert.Equal(signature, anchors[vault.VaultTokenAccount].Signature);
    }

    [Fact]
    public async Task A_deposit_built_with_solana_kit_as_documented_is_credited()
    {
        using var vault = await SolanaVaultScenario.StartAsync(fixture.Devnet, seed: 2);
        var sink = new RecordingDepositSink();
        var watcher = new SolanaDepositWatcher(vault.Client, vault.Options(), sink);
        var keyFile = Path.Combine(Path.GetTempPath(), $"clearing-kit-depositor-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(keyFile, JsonSerializer.Serialize(vault.Depositor.ExportSecretKey().Select(b => (int)b)));
        string output;
        try
        {
            output = await Command.RunAsync(
                "node",
                [
                    Path.Combine(RepoPaths.Root, "contracts", "solana", "deposit.mjs"),
                    "--rpc", fixture.Devnet.Url.ToString(), "--keypair", keyFile, "--vault-authority", vault.Authority.PublicKey.ToString(),
                    "--mint", vault.Mint.PublicKey.ToString(), "--decimals", SolanaVaultScenario.Decimals.ToString(CultureInfo.InvariantCulture),
                    "--amount", "4242", "--account", "kit-user",
                ],
                TimeSpan.FromSeconds(60));
        }
        finally
        {
            File.Delete(keyFile);
        }

        var signature = output.Trim();
        await vault.FinalizeAsync(signature);
        await watcher.PollOnceAsync(CancellationToken.None);

        var credited = Assert.Single(sink.ProposedFinal);
        Assert.Equal((signature, "kit-user", new BigInteger(4242)), (credited.Key.TransactionId, credited.AccountId, credited.Amount));
        Assert.Equal("0", (await vault.Client.GetTransactionAsync(signature, Commitment.Finalized)).Value!.Version); // kit built a v0 message
    }

    [Theory]
    [InlineData(new string[0], "the deposit has no memo")]
    [InlineData(new[] { "not an account id!" }, "the memo 'not an account id!' is not a valid account id")]
    [InlineData(new[] { "alice", "bob" }, "the deposit has 2 different memos")]
    public async Task A_deposit_without_one_valid_memo_is_proposed_for_suspense(string[] memos, string reason)
    {
        using var vault = await SolanaVaultScenario.StartAsync(fixture.Devnet, seed: (byte)(10 + memos.Length));
        var sink = new RecordingDepositSink();
        var watcher = new SolanaDepositWatcher(vault.Client, vault.Options(), sink);

        await vault.FinalizeAsync(await vault.DepositAsync(7_000, memos));
        await watcher.PollOnceAsync(CancellationToken.None);

        var suspense = Assert.Single(sink.ProposedFinal);
        Assert.Null(suspense.AccountId);
        Assert.Equal(reason, suspense.SuspenseReason);
        Assert.Equal(new BigInteger(7_000), suspense.Amount);
    }

    [Fact]
    public async Task An_unchecked_transfer_is_credited_by_what_the_vault_received_and_lamports_sent_to_the_token_account_are_not()
    {
        using var vault = await SolanaVaultScenario.StartAsync(fixture.Devnet, seed: 25);
        var sink = new RecordingDepositSink();
        var watcher = new SolanaDepositWatcher(vault.Client, vault.Options(), sink);

        var plainTransfer = await vault.SendAsync(
            [TokenProgram.Transfer(vault.DepositorTokenAccount, vault.VaultTokenAccount, vault.Depositor.PublicKey, 777), MemoProgram.Create("alice")],
            skipPreflight: false);
        // Names the vault token account (so it is in its history) and claims a deposit in the memo, but moves no tokens into it.
        var lamportsOnly = await vault.SendAsync(
            [SystemProgram.Transfer(vault.Depositor.PublicKey, vault.VaultTokenAccount, 1_000_000), MemoProgram.Create("mallory")],
            skipPreflight: false);
        await vault.FinalizeAsync(lamportsOnly);
        await vault.FinalizeAsync(plainTransfer);
        await watcher.PollOnceAsync(CancellationToken.None);

        var credited = Assert.Single(sink.ProposedFinal);
        Assert.Equal((plainTransfer, "alice", new BigInteger(777)), (credited.Key.TransactionId, credited.AccountId, credited.Amount));
        var anchors = SolanaWatchCursor.Parse(sink.Cursor(SolanaVaultScenario.Chain)!.Value.BlockHash);
        var newest = (await vault.Client.GetSignaturesForAddressAsync(vault.VaultTokenAccount, Commitment.Finalized, limit: 1)).Value[0].Signature;
        Assert.Equal(newest, anchors[vault.VaultTokenAccount].Signature); // both were read; only one was a deposit
    }

    [Fact]
    public async Task A_v0_deposit_whose_vault_account_comes_from_a_lookup_table_is_keyed_by_its_full_account_list_index()
    {
        using var vault = await SolanaVaultScenario.StartAsync(fixture.Devnet, seed: 26);
        var sink = new RecordingDepositSink();
        var watcher = new SolanaDepositWatcher(vault.Client, vault.Options(), sink);
        var table = new AddressLookupTable(Keypair.FromSeed(Enumerable.Repeat((byte)26, 32).ToArray()).PublicKey, [vault.VaultTokenAccount, vault.Mint.PublicKey]);
        await fixture.Devnet.Rpc.CallAsync("devnet_setAccount", table.Key.ToString(), new Dictionary<string, object>
        {
            ["lamports"] = 10_000_000,
            ["data"] = Convert.ToBase64String(LookupTableAccountData(table.Addresses)),
            ["owner"] = "AddressLookupTab1e1111111111111111111111111",
        });
        var blockhash = (await vault.Client.GetLatestBlockhashAsync(Commitment.Confirmed)).Value.Value.Blockhash;
        var transaction = Transaction.Sign(
            MessageCompiler.CompileV0(vault.Depositor.PublicKey, blockhash,
                [TokenProgram.TransferChecked(vault.DepositorTokenAccount, vault.Mint.PublicKey, vault.VaultTokenAccount, vault.Depositor.PublicKey, 31, SolanaVaultScenario.Decimals), MemoProgram.Create("dave")],
                [table]),
            vault.Depositor);
        var signature = (await vault.Client.SendTransactionAsync(transaction, Commitment.Confirmed)).Value;
        await vault.FinalizeAsync(signature);
        await watcher.PollOnceAsync(CancellationToken.None);

        var details = (await vault.Client.GetTransactionAsync(signature, Commitment.Finalized)).Value!;
        Assert.DoesNotContain(vault.VaultTokenAccount, details.Transaction.Message.AccountKeys); // only loaded, not a static key
        var credited = Assert.Single(sink.ProposedFinal);
        Assert.Equal(new DepositKey(SolanaVaultScenario.Chain, signature, details.AllAccountKeys.ToList().IndexOf(vault.VaultTokenAccount)), credited.Key);
        Assert.Equal(("dave", new BigInteger(31)), (credited.AccountId, credited.Amount));
    }

    /// <summary>An active lookup table account: the 56-byte LookupTableMeta (discriminator 1, never deactivated), then the addresses.</summary>
    private static byte[] LookupTableAccountData(IReadOnlyList<PublicKey> addresses)
    {
        var meta = new byte[56];
        meta[0] = 1;
        meta.AsSpan(4, 8).Fill(0xff);
        return [.. meta, .. addresses.SelectMany(a => a.ToByteArray())];
    }

    [Fact]
    public async Task A_failed_transaction_into_the_vault_is_ignored()
    {
        using var vault = await SolanaVaultScenario.StartAsync(fixture.Devnet, seed: 20);
        var sink = new RecordingDepositSink();
        var watcher = new SolanaDepositWatcher(vault.Client, vault.Options(), sink);

        var failed = await vault.DepositAsync(SolanaVaultScenario.MintedUnits + 1, "alice"); // more than the depositor holds: lands with meta.err
        var good = await vault.DepositAsync(5, "alice");
        await vault.FinalizeAsync(good);
        Assert.True((await vault.Client.GetTransactionAsync(failed, Commitment.Finalized)).Value!.Meta!.Failed);
        await watcher.PollOnceAsync(CancellationToken.None);

        Assert.Equal([good], sink.ProposedFinal.Select(d => d.Key.TransactionId));
    }

    [Fact]
    public async Task A_deposit_dropped_before_finality_is_never_credited()
    {
        using var vault = await SolanaVaultScenario.StartAsync(fixture.Devnet, seed: 21);
        var sink = new RecordingDepositSink();
        var watcher = new SolanaDepositWatcher(vault.Client, vault.Options(), sink);

        var dropped = await vault.DepositAsync(900, "alice");
        await fixture.Devnet.AdvanceSlotsAsync(1);
        await watcher.PollOnceAsync(CancellationToken.None);
        Assert.Equal([dropped], sink.Pending(SolanaVaultScenario.Chain).Select(d => d.Key.TransactionId));

        await fixture.Devnet.Rpc.CallAsync("devnet_dropTransaction", dropped);
        var kept = await vault.DepositAsync(100, "bob");
        await vault.FinalizeAsync(kept);
        await vault.FinalizeEverythingAsync();
        await watcher.PollOnceAsync(CancellationToken.None);

        Assert.Equal([(kept, "bob")], sink.ProposedFinal.Select(d => (d.Key.TransactionId, d.AccountId)));
        Assert.Empty(sink.Pending(SolanaVaultScenario.Chain));
        Assert.Equal(100ul, await vault.TokenBalanceAsync(vault.VaultTokenAccount));
    }

    [Fact]
    public async Task Pagination_over_several_pages_credits_every_deposit_once_across_rounds()
    {
        using var vault = await SolanaVaultScenario.StartAsync(fixture.Devnet, seed: 22);
        var sink = new RecordingDepositSink();
        var watcher = new SolanaDepositWatcher(vault.Client, vault.Options(signaturesPerPage: 2), sink);

        var first = new List<string>();
        for (var i = 1; i <= 5; i++)
        {
            first.Add(await vault.DepositAsync((ulong)i, $"acct-{i}"));
            await fixture.Devnet.AdvanceSlotsAsync(1); // one deposit per slot, so pages split inside and across slots
        }

        await vault.FinalizeAsync(first[^1]);
        await watcher.PollOnceAsync(CancellationToken.None);

        var second = new List<string>();
        for (var i = 6; i <= 8; i++)
        {
            second.Add(await vault.DepositAsync((ulong)i, $"acct-{i}"));
        }

        await vault.FinalizeAsync(second[^1]);
        await watcher.PollOnceAsync(CancellationToken.None);
        await watcher.PollOnceAsync(CancellationToken.None);

        Assert.Equal(8, sink.ProposedFinal.Count);
        Assert.Equal(first.Concat(second).Order(), sink.ProposedFinal.Select(d => d.Key.TransactionId).Order());
        Assert.Equal(Enumerable.Range(1, 8).Select(i => ($"acct-{i}", new BigInteger(i))), sink.ProposedFinal.Select(d => (d.AccountId!, d.Amount)).OrderBy(d => d.Amount));
        Assert.Equal(36ul, await vault.TokenBalanceAsync(vault.VaultTokenAccount));
    }

    [Fact]
    public async Task A_sol_deposit_into_the_sol_vault_is_credited_as_its_lamport_gain()
    {
        using var vault = await SolanaVaultScenario.StartAsync(fixture.Devnet, seed: 23);
        var sink = new RecordingDepositSink();
        var watcher = new SolanaDepositWatcher(vault.Client, vault.Options(), sink);

        var signature = await vault.DepositSolAsync(2_000_000, "carol");
        await vault.FinalizeAsync(signature);
        await watcher.PollOnceAsync(CancellationToken.None);

        var credited = Assert.Single(sink.ProposedFinal);
        Assert.Equal(("carol", "SOL", "", new BigInteger(2_000_000), signature), (credited.AccountId, credited.Asset, credited.Token, credited.Amount, credited.Key.TransactionId));
    }

    [Fact]
    public async Task A_cursor_whose_anchor_is_not_in_the_history_stops_crediting()
    {
        using var vault = await SolanaVaultScenario.StartAsync(fixture.Devnet, seed: 24);
        var sink = new RecordingDepositSink();
        var watcher = new SolanaDepositWatcher(vault.Client, vault.Options(), sink);
        await vault.FinalizeAsync(await vault.DepositAsync(3, "alice"));
        await watcher.PollOnceAsync(CancellationToken.None);

        // A cursor naming a signature this vault account never had (as from another cluster or a pruned node).
        var foreign = await vault.DepositSolAsync(2_000_000, "alice"); // above the rent-exempt minimum of an empty account
        await vault.FinalizeAsync(foreign);
        var cursor = sink.Cursor(SolanaVaultScenario.Chain)!.Value;
        var anchors = SolanaWatchCursor.Parse(cursor.BlockHash);
        anchors[vault.VaultTokenAccount] = new SignatureAnchor(foreign, anchors[vault.VaultTokenAccount].Slot);
        await sink.CommitFinalizedAsync(SolanaVaultScenario.Chain, cursor with { BlockHash = SolanaWatchCursor.Format(anchors) }, [], CancellationToken.None);
        var creditedBefore = sink.ProposedFinal.Count;
        await vault.FinalizeAsync(await vault.DepositAsync(4, "alice"));

        await Assert.ThrowsAsync<SignatureAnchorMissingException>(() => watcher.PollOnceAsync(CancellationToken.None));
        Assert.Equal(creditedBefore, sink.ProposedFinal.Count);
    }
}
