using System.Numerics;
using Clearing.Chains.Solana.Encoding;
using Clearing.Chains.Solana.Programs;
using Clearing.Chains.Solana.Rpc;

namespace Clearing.Chains.Solana.Vault;

/// <summary>What one polling round of <see cref="SolanaDepositWatcher"/> did.</summary>
public sealed record SolanaWatchRound(ulong FinalizedSlot, int FinalTransactions, int FinalCommitted, int Pending);

/// <summary>
/// The history of a watched address no longer leads back to the signature the cursor says was processed last (a node
/// with pruned history, another cluster, or a rewritten finalized history). Nothing is credited; an operator decides.
/// </summary>
public sealed class SignatureAnchorMissingException(string message) : Exception(message);

/// <summary>
/// Reads deposits into the Solana vault (contracts/solana/README.md) and hands them to an <see cref="IDepositSink"/>.
/// Every round: the finalized slot S; for every vault token account and the SOL vault, the finalized signatures
/// newer than the address's anchor, paged with <c>before</c> until the anchor itself is seen; each transaction read at
/// finalized; what the vault accounts really gained credited with the new anchors in one commit (cursor Height = S).
/// Then the confirmed signatures above S are read the same way and replace the pending set.
/// </summary>
public sealed class SolanaDepositWatcher
{
    private readonly SolanaRpcClient rpc;
    private readonly SolanaVaultOptions options;
    private readonly IDepositSink sink;
    private readonly Dictionary<PublicKey, PublicKey> mintOfVaultAccount;

    public SolanaDepositWatcher(SolanaRpcClient rpc, SolanaVaultOptions options, IDepositSink sink)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        this.rpc = rpc ?? throw new ArgumentNullException(nameof(rpc));
        this.options = options;
        this.sink = sink ?? throw new ArgumentNullException(nameof(sink));
        mintOfVaultAccount = options.Mints.Keys.ToDictionary(options.VaultTokenAccount, mint => mint);
    }

    /// <summary>
    /// One round. Transport and node errors surface as <see cref="RpcException"/> (the caller retries; nothing was
    /// committed); a history that no longer reaches an anchor throws <see cref="SignatureAnchorMissingException"/>;
    /// a finalized slot below the committed one throws <see cref="FinalityViolationException"/>.
    /// </summary>
    public async Task<SolanaWatchRound> PollOnceAsync(CancellationToken cancellationToken)
    {
        using var span = ChainTelemetry.StartWatchRound(options.Chain);
        var finalizedSlot = (await rpc.GetSlotAsync(Commitment.Finalized, cancellationToken)).Value;
        var cursor = await sink.ReadCursorAsync(options.Chain, cancellationToken);
        var anchors = cursor is { } c ? SolanaWatchCursor.Parse(c.BlockHash) : [];
        if (cursor is { } committed && finalizedSlot < committed.Height)
        {
            throw new FinalityViolationException(
                $"{options.Chain}: the node's finalized slot {finalizedSlot} is below the committed cursor {committed.Height}; finality never moves backwards.");
        }

        var finalSignatures = new List<SignatureInfo>();
        foreach (var address in options.WatchedAddresses())
        {
            anchors.TryGetValue(address, out var anchor);
            var fresh = await ReadFinalizedSinceAsync(address, anchor, finalizedSlot, cancellationToken);
            if (fresh.Count > 0)
            {
                anchors[address] = new SignatureAnchor(fresh[0].Signature, fresh[0].Slot);
            }

            finalSignatures.AddRange(fresh);
        }

        var finalTransactions = await ReadTransactionsAsync(Distinct(finalSignatures), Commitment.Finalized, cancellationToken);
        var deposits = finalTransactions.SelectMany(t => Decode(t.Signature, t.Details)).ToList();
        ChainTelemetry.DepositsSeen(span, deposits, final: true);
        await sink.CommitFinalizedAsync(options.Chain, new ChainCursor(finalizedSlot, SolanaWatchCursor.Format(anchors)), deposits, cancellationToken);

        var pendingSignatures = new List<SignatureInfo>();
        foreach (var address in options.WatchedAddresses())
        {
            pendingSignatures.AddRange(await ReadConfirmedAboveAsync(address, finalizedSlot, cancellationToken));
        }

        var pendingTransactions = await ReadTransactionsAsync(Distinct(pendingSignatures), Commitment.Confirmed, cancellationToken);
        var pending = pendingTransactions.SelectMany(t => Decode(t.Signature, t.Details)).ToList();
        ChainTelemetry.DepositsSeen(span, pending, final: false);
        await sink.ReplacePendingAsync(options.Chain, pending, cancellationToken);
        ChainTelemetry.ReportPending(options.Chain, pending);
        // The head for operators only: a failed read leaves the gauges at the last report instead of failing a round that committed.
        if (await rpc.GetSlotAsync(Commitment.Processed, cancellationToken) is { IsSuccess: true, Value: var headSlot })
        {
            ChainTelemetry.ReportHeights(options.Chain, Math.Max(headSlot, finalizedSlot), finalizedSlot);
        }

        return new SolanaWatchRound(finalizedSlot, finalTransactions.Count, deposits.Count, pending.Count);
    }

    /// <summary>
    /// Finalized signatures of <paramref name="address"/> at or below <paramref name="throughSlot"/> that are newer
    /// than <paramref name="anchor"/>, newest first. Pages with <c>before</c> and stops only on seeing the anchor: a
    /// history that ends, or passes the anchor's slot, without it is an error (not "nothing new"). Without an anchor
    /// (a vault account never seen before) the whole history is read.
    /// </summary>
    private async Task<List<SignatureInfo>> ReadFinalizedSinceAsync(PublicKey address, SignatureAnchor? anchor, ulong throughSlot, CancellationToken cancellationToken)
    {
        var fresh = new List<SignatureInfo>();
        string? before = null;
        while (true)
        {
            var page = (await rpc.GetSignaturesForAddressAsync(address, Commitment.Finalized, before, limit: options.SignaturesPerPage, cancellationToken: cancellationToken)).Value;
            foreach (var entry in page)
            {
                if (anchor is not null && entry.Signature == anchor.Signature)
                {
                    return fresh;
                }

                if (anchor is not null && entry.Slot < anchor.Slot)
                {
                    throw AnchorMissing(address, anchor, $"its history went from slot {anchor.Slot} down to {entry.Slot} without it");
                }

                // Finalized may have moved past the slot read at the start of the round; newer ones wait for the next round.
                if (entry.Slot <= throughSlot)
                {
                    fresh.Add(entry);
                }
            }

            if (page.Count < options.SignaturesPerPage)
            {
                return anchor is null ? fresh : throw AnchorMissing(address, anchor, "its history ended without it");
            }

            before = page[^1].Signature;
        }
    }

    /// <summary>Confirmed (not yet finalized) signatures of <paramref name="address"/> above <paramref name="finalizedSlot"/>.</summary>
    private async Task<List<SignatureInfo>> ReadConfirmedAboveAsync(PublicKey address, ulong finalizedSlot, CancellationToken cancellationToken)
    {
        var above = new List<SignatureInfo>();
        string? before = null;
        while (true)
        {
            var page = (await rpc.GetSignaturesForAddressAsync(address, Commitment.Confirmed, before, limit: options.SignaturesPerPage, cancellationToken: cancellationToken)).Value;
            foreach (var entry in page)
            {
                if (entry.Slot <= finalizedSlot)
                {
                    return above;
                }

                above.Add(entry);
            }

            if (page.Count < options.SignaturesPerPage)
            {
                return above;
            }

            before = page[^1].Signature;
        }
    }

    /// <summary>
    /// The successful transactions among <paramref name="signatures"/>, read at <paramref name="commitment"/> in batches.
    /// A finalized signature whose transaction the node cannot serve at finalized is a node fault (retry the round);
    /// a confirmed one may have been dropped since it was listed, and is then simply not pending.
    /// </summary>
    private async Task<List<(string Signature, TransactionDetails Details)>> ReadTransactionsAsync(
        IReadOnlyList<SignatureInfo> signatures, Commitment commitment, CancellationToken cancellationToken)
    {
        var read = new List<(string, TransactionDetails)>();
        var wanted = signatures.Where(s => !s.Failed).Select(s => s.Signature).ToList();
        foreach (var batch in wanted.Chunk(options.TransactionsPerBatch))
        {
            var results = (await rpc.GetTransactionsAsync(batch, commitment, cancellationToken)).Value;
            for (var i = 0; i < batch.Length; i++)
            {
                var details = results[i].Value;
                if (details is null)
                {
                    if (commitment == Commitment.Finalized)
                    {
                        throw new RpcException(new RpcFailure(RpcFailureKind.Transport, $"{options.Chain}: finalized signature {batch[i]} has no finalized transaction on the node yet"));
                    }

                    continue;
                }

                read.Add((batch[i], details));
            }
        }

        return read;
    }

    /// <summary>
    /// The deposits in one transaction: for each watched vault account it names, what that account really gained.
    /// A token account counts only as the runtime left it (postTokenBalances): the allowlisted mint, its token
    /// program and the vault authority as owner. The SOL vault counts its lamport gain when it did not sign (a
    /// transaction it signed is ours). Key index = the vault account's position in the full account key list.
    /// </summary>
    private IEnumerable<ObservedDeposit> Decode(string signature, TransactionDetails details)
    {
        var meta = details.Meta;
        if (meta is null || meta.Failed)
        {
            yield break;
        }

        var keys = details.AllAccountKeys;
        var (accountId, suspenseReason) = ReadAccountId(details);
        var depositor = keys[0].ToString();
        var signers = details.Transaction.Message.Header.NumRequiredSignatures;
        for (var index = 0; index < keys.Count; index++)
        {
            var key = keys[index];
            if (options.SolVault is { } solVault && key == solVault)
            {
                var gained = index >= signers && index < meta.PostBalances.Count && index < meta.PreBalances.Count
                    ? (BigInteger)meta.PostBalances[index] - meta.PreBalances[index]
                    : BigInteger.Zero;
                if (gained > 0)
                {
                    yield return Deposit(index, options.SolAsset, "", gained);
                }

                continue;
            }

            if (!mintOfVaultAccount.TryGetValue(key, out var mint))
            {
                continue;
            }

            var allowed = options.Mints[mint];
            var post = meta.PostTokenBalances?.FirstOrDefault(b => b.AccountIndex == index);
            if (post is null || post.Mint != mint || post.ProgramId != allowed.TokenProgram || post.Owner != options.VaultAuthority)
            {
                continue;
            }

            var pre = meta.PreTokenBalances?.FirstOrDefault(b => b.AccountIndex == index && b.Mint == mint);
            var delta = (BigInteger)post.UiTokenAmount.BaseUnits - (pre?.UiTokenAmount.BaseUnits ?? 0);
            if (delta > 0)
            {
                yield return Deposit(index, allowed.Asset, mint.ToString(), delta);
            }
        }

        ObservedDeposit Deposit(int index, string asset, string token, BigInteger amount) => new(
            new DepositKey(options.Chain, signature, index),
            accountId,
            asset,
            token,
            amount,
            details.Slot,
            signature, // Solana's getTransaction names no block hash; the signature identifies the transaction on any fork.
            depositor,
            suspenseReason);
    }

    /// <summary>The margin account named by the transaction's top-level memo, or null with the reason it goes to suspense.</summary>
    private static (string? AccountId, string? Reason) ReadAccountId(TransactionDetails details)
    {
        var memos = details.DecompileInstructions()
            .Select(MemoProgram.Decode)
            .OfType<MemoInstruction>()
            .Select(m => m.Text)
            .Distinct(StringComparer.Ordinal)
            .ToList();
        return memos switch
        {
            [] => (null, "the deposit has no memo"),
            [var text] when AccountIdCodec.IsValid(text) => (text, null),
            [var text] => (null, $"the memo '{Shorten(text)}' is not a valid account id"),
            _ => (null, $"the deposit has {memos.Count} different memos"),
        };
    }

    private static string Shorten(string text) => text.Length <= 64 ? text : text[..64] + "…";

    private static List<SignatureInfo> Distinct(IEnumerable<SignatureInfo> signatures) =>
        signatures.DistinctBy(s => s.Signature, StringComparer.Ordinal).OrderBy(s => s.Slot).ThenBy(s => s.Signature, StringComparer.Ordinal).ToList();

    private SignatureAnchorMissingException AnchorMissing(PublicKey address, SignatureAnchor anchor, string how) =>
        new($"{options.Chain}: the last processed signature {anchor.Signature} (slot {anchor.Slot}) of {address} is missing: {how}.");
}
