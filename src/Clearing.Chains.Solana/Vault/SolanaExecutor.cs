using System.Globalization;
using System.Text.Json;
using Clearing.Chains.Solana.Builders;
using Clearing.Chains.Solana.Encoding;
using Clearing.Chains.Solana.Programs;
using Clearing.Chains.Solana.Rpc;
using Clearing.Chains.Solana.Signing;

namespace Clearing.Chains.Solana.Vault;

/// <summary>
/// What a Solana withdrawal or seizure pays out (the action's PayloadJson):
/// <c>{"mint":"&lt;base58&gt;","recipient":"&lt;wallet, base58&gt;","amount":"&lt;base units, decimal string&gt;"}</c>.
/// The tokens go to the recipient's associated token account, created idempotently in the same transaction.
/// </summary>
public sealed record SolanaPayout(PublicKey Mint, PublicKey Recipient, ulong Amount)
{
    public string ToJson() => JsonSerializer.Serialize(new Dictionary<string, string>
    {
        ["mint"] = Mint.ToString(),
        ["recipient"] = Recipient.ToString(),
        ["amount"] = Amount.ToString(CultureInfo.InvariantCulture),
    });

    /// <summary>The payout in <paramref name="json"/>; throws <see cref="FormatException"/> when it is not one.</summary>
    public static SolanaPayout Parse(string json)
    {
        Dictionary<string, string>? fields;
        try
        {
            fields = JsonSerializer.Deserialize<Dictionary<string, string>>(json);
        }
        catch (JsonException e)
        {
            throw new FormatException($"The payout is not a JSON object of strings: {e.Message}", e);
        }

        if (fields is null
            || !fields.TryGetValue("mint", out var mint) || !PublicKey.TryParse(mint, out var mintKey)
            || !fields.TryGetValue("recipient", out var recipient) || !PublicKey.TryParse(recipient, out var recipientKey)
            || !fields.TryGetValue("amount", out var amount) || !ulong.TryParse(amount, NumberStyles.None, CultureInfo.InvariantCulture, out var units)
            || units == 0)
        {
            throw new FormatException("The payout needs mint and recipient (base58 addresses) and a positive amount (base units, u64).");
        }

        return new SolanaPayout(mintKey, recipientKey, units);
    }
}

/// <summary>What one executor pass did, per action.</summary>
public sealed record SolanaExecutorPass(int Bound, int Sent, int Rebound, int Confirmed, int Failed, int Waiting, IReadOnlyList<string> Problems);

/// <summary>
/// Executes the Solana chain actions of an <see cref="IChainActionJournal"/> (withdrawals and seizures): an SPL
/// TransferChecked from the vault token account, with the decision id in a memo. A decision is bound to ONE signed
/// transaction and its last valid block height, persisted before it is sent; while the chain can still include it,
/// only those bytes are (re-)sent. It is re-signed with a new blockhash only when the old one can never land: the
/// finalized block height has passed its last valid block height and the signature is absent at finalized. A
/// signature lands at most once, so at most one execution per decision follows.
/// </summary>
/// <remarks>
/// Passes of one executor are serialized. Two executors over one journal race safely on binding, sending, confirming
/// (compare-and-set, identical bytes) and re-signing: a rebind names the transaction it replaces, so of two executors
/// that both judged the same transaction dead only one re-binds, and only the bytes it persisted are ever sent.
/// </remarks>
public sealed class SolanaExecutor
{
    private readonly SolanaRpcClient rpc;
    private readonly IChainActionJournal journal;
    private readonly SolanaVaultOptions options;
    private readonly Keypair vaultAuthority;
    private readonly SemaphoreSlim oneAtATime = new(1, 1);

    public SolanaExecutor(SolanaRpcClient rpc, IChainActionJournal journal, SolanaVaultOptions options, Keypair vaultAuthority)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        ArgumentNullException.ThrowIfNull(vaultAuthority);
        if (vaultAuthority.PublicKey != options.VaultAuthority)
        {
            throw new ArgumentException($"The signing key {vaultAuthority.PublicKey} is not the vault authority {options.VaultAuthority}.", nameof(vaultAuthority));
        }

        this.rpc = rpc ?? throw new ArgumentNullException(nameof(rpc));
        this.journal = journal ?? throw new ArgumentNullException(nameof(journal));
        this.options = options;
        this.vaultAuthority = vaultAuthority;
    }

    /// <summary>
    /// One pass over the open actions. RPC failures of one action are recorded in <see cref="SolanaExecutorPass.Problems"/>
    /// and retried next pass; a journal conflict means another executor moved the action first and is not a problem.
    /// </summary>
    public async Task<SolanaExecutorPass> RunOnceAsync(CancellationToken cancellationToken)
    {
        await oneAtATime.WaitAsync(cancellationToken);
        try
        {
            var tally = new Tally();
            foreach (var action in await journal.OpenAsync(options.Chain, cancellationToken))
            {
                using var span = ChainTelemetry.StartExecution(action);
                try
                {
                    await AdvanceAsync(action, tally, cancellationToken);
                }
                catch (ChainActionConflictException)
                {
                    // Another executor moved this action between our read and our write; the next pass sees its state.
                }
                catch (RpcException e)
                {
                    tally.Problems.Add($"{action.DecisionId}: {e.Failure}");
                }
            }

            return new SolanaExecutorPass(tally.Bound, tally.Sent, tally.Rebound, tally.Confirmed, tally.Failed, tally.Waiting, tally.Problems);
        }
        finally
        {
            oneAtATime.Release();
        }
    }

    private async Task AdvanceAsync(ChainAction action, Tally tally, CancellationToken cancellationToken)
    {
        if (action.State == ChainActionState.Planned)
        {
            var payout = ReadPayout(action, out var reason);
            if (payout is null)
            {
                await journal.AbandonAsync(action.ActionId, reason!, cancellationToken);
                tally.Failed++;
                return;
            }

            var bound = await journal.BindAsync(action.ActionId, await SignAsync(action, payout, cancellationToken), cancellationToken);
            tally.Bound++;
            await SendAsync(bound, tally, cancellationToken);
            return;
        }

        var binding = action.Binding ?? throw new InvalidOperationException($"Action {action.ActionId} is {action.State} without a binding.");
        var status = (await rpc.GetSignatureStatusesAsync([binding.TxId], searchTransactionHistory: true, cancellationToken)).Value.Value[0];
        if (status is { ConfirmationStatus: "finalized" })
        {
            if (action.State == ChainActionState.Signed)
            {
                // Sent by an executor that stopped before recording it; the journal still walks signed → broadcast → confirmed.
                await journal.MarkBroadcastAsync(action.ActionId, cancellationToken);
            }

            if (status.Failed)
            {
                await journal.MarkFailedAsync(action.ActionId, $"transaction {binding.TxId} failed on chain: {status.Err}", cancellationToken);
                tally.Failed++;
            }
            else
            {
                await journal.MarkConfirmedAsync(action.ActionId, cancellationToken);
                tally.Confirmed++;
            }

            return;
        }

        if (status is not null)
        {
            tally.Waiting++; // processed or confirmed: it has landed on some fork; finality decides.
            return;
        }

        if (await CanNeverLandAsync(binding, cancellationToken))
        {
            var payout = ReadPayout(action, out var reason) ?? throw new InvalidOperationException(reason);
            var rebound = await journal.RebindAsync(action.ActionId, binding.TxId, await SignAsync(action, payout, cancellationToken), cancellationToken);
            tally.Rebound++;
            await SendAsync(rebound, tally, cancellationToken);
            return;
        }

        await SendAsync(action, tally, cancellationToken);
    }

    /// <summary>
    /// True only when the bound transaction can never be included: its blockhash is usable up to
    /// LastValidBlockHeight, the finalized chain is already above that height, and it is not in the finalized chain.
    /// </summary>
    private async Task<bool> CanNeverLandAsync(ChainActionBinding binding, CancellationToken cancellationToken)
    {
        var lastValid = binding.LastValidBlockHeight ?? throw new InvalidOperationException($"Binding {binding.TxId} has no last valid block height.");
        var finalizedHeight = (await rpc.GetBlockHeightAsync(Commitment.Finalized, cancellationToken)).Value;
        if (finalizedHeight <= (ulong)lastValid)
        {
            return false;
        }

        return (await rpc.GetTransactionAsync(binding.TxId, Commitment.Finalized, cancellationToken)).Value is null;
    }

    /// <summary>Records the attempt, then sends the bound bytes unchanged. A refusal (e.g. an expired blockhash) is retried next pass.</summary>
    private async Task SendAsync(ChainAction action, Tally tally, CancellationToken cancellationToken)
    {
        var binding = action.Binding!;
        await journal.MarkBroadcastAsync(action.ActionId, cancellationToken);
        var transaction = Transaction.FromBase64(binding.SignedTransaction);
        var sent = await rpc.SendTransactionAsync(transaction, Commitment.Confirmed, cancellationToken: cancellationToken);
        switch (sent.Failure)
        {
            case null:
                tally.Sent++;
                return;
            case { Kind: RpcFailureKind.JsonRpcError } refusal:
                tally.Problems.Add($"{action.DecisionId}: {binding.TxId} refused: {refusal}");
                return;
            case var transport:
                // The bytes may or may not have arrived; the next pass looks at the signature's status before anything else.
                throw new RpcException(transport);
        }
    }

    private async Task<ChainActionBinding> SignAsync(ChainAction action, SolanaPayout payout, CancellationToken cancellationToken)
    {
        var allowed = options.Mints[payout.Mint];
        var latest = (await rpc.GetLatestBlockhashAsync(Commitment.Confirmed, cancellationToken)).Value.Value;
        var message = MessageCompiler.CompileLegacy(vaultAuthority.PublicKey, latest.Blockhash,
        [
            AssociatedTokenAccountProgram.CreateIdempotent(vaultAuthority.PublicKey, payout.Recipient, payout.Mint, allowed.TokenProgram),
            TokenProgram.TransferChecked(
                options.VaultTokenAccount(payout.Mint),
                payout.Mint,
                AssociatedTokenAccountProgram.FindAddress(payout.Recipient, payout.Mint, allowed.TokenProgram),
                vaultAuthority.PublicKey,
                payout.Amount,
                allowed.Decimals,
                allowed.TokenProgram),
            MemoProgram.Create(action.DecisionId),
        ]);
        var transaction = Transaction.Sign(message, vaultAuthority);
        return new ChainActionBinding(null, checked((long)latest.LastValidBlockHeight), transaction.ToBase64(), transaction.Id);
    }

    private SolanaPayout? ReadPayout(ChainAction action, out string? reason)
    {
        try
        {
            var payout = SolanaPayout.Parse(action.PayloadJson);
            reason = options.Mints.ContainsKey(payout.Mint) ? null : $"mint {payout.Mint} is not in {options.Chain}'s allowlist";
            return reason is null ? payout : null;
        }
        catch (FormatException e)
        {
            reason = e.Message;
            return null;
        }
    }

    private sealed class Tally
    {
        public int Bound;
        public int Sent;
        public int Rebound;
        public int Confirmed;
        public int Failed;
        public int Waiting;
        public List<string> Problems { get; } = [];
    }
}
