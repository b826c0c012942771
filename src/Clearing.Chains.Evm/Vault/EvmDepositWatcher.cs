using Clearing.Chains.Evm.Abi;
using Clearing.Chains.Evm.Model;
using Clearing.Chains.Evm.Rpc;

namespace Clearing.Chains.Evm.Vault;

/// <summary>What one polling round did.</summary>
public enum WatchOutcome
{
    /// <summary>Final deposits committed up to the finalized block and the pending set refreshed.</summary>
    Completed,

    /// <summary>The node's head was below the range just read: its (possibly empty) answer was not trusted; try again.</summary>
    NodeBehind,

    /// <summary>The chain reorganized during the read of the pending range: pending left as it was; try again.</summary>
    ReorgDuringRead,
}

public sealed record WatchRound(WatchOutcome Outcome, ulong FinalizedHeight, int FinalCommitted, int Pending);

/// <summary>
/// Reads <c>Deposited</c> logs of one chain's vault and hands them to an <see cref="IDepositSink"/>: credits only up to
/// the node's <c>finalized</c> block, with the cursor in the same commit; newer deposits only as pending (worth zero),
/// each with its block hash, the whole pending set replaced every round so a reorg drops what it removed.
/// </summary>
public sealed class EvmDepositWatcher
{
    private readonly EvmRpcClient rpc;
    private readonly EvmVaultOptions options;
    private readonly IDepositSink sink;

    public EvmDepositWatcher(EvmRpcClient rpc, EvmVaultOptions options, IDepositSink sink)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        this.rpc = rpc;
        this.options = options;
        this.sink = sink;
    }

    /// <summary>
    /// One round. Transport and node errors surface as <see cref="Clearing.Chains.RpcException"/> (the caller retries);
    /// a chain that contradicts what was committed as final throws <see cref="FinalityViolationException"/> and credits nothing.
    /// </summary>
    public async Task<WatchRound> PollOnceAsync(CancellationToken cancellationToken)
    {
        using var span = ChainTelemetry.StartWatchRound(options.Chain);
        var finalized = await RequiredBlockAsync(BlockTag.Finalized, cancellationToken);
        var cursor = await sink.ReadCursorAsync(options.Chain, cancellationToken);
        if (cursor is { } committed)
        {
            await EnsureConsistentWithCursorAsync(committed, finalized, cancellationToken);
        }

        var from = cursor is { } c ? c.Height + 1 : options.StartBlock;
        var committedCount = 0;
        if (from <= finalized.Number)
        {
            var logs = await ReadDepositLogsAsync(from, finalized.Number, cancellationToken);
            if (logs is null)
            {
                return new WatchRound(WatchOutcome.NodeBehind, finalized.Number, 0, 0);
            }

            var deposits = logs.Select(Decode).ToList();
            ChainTelemetry.DepositsSeen(span, deposits, final: true);
            await sink.CommitFinalizedAsync(options.Chain, new ChainCursor(finalized.Number, finalized.Hash.ToString()), deposits, cancellationToken);
            committedCount = deposits.Count;
        }

        var latest = await RequiredBlockAsync(BlockTag.Latest, cancellationToken);
        ChainTelemetry.ReportHeights(options.Chain, latest.Number, finalized.Number);
        if (latest.Number <= finalized.Number)
        {
            await sink.ReplacePendingAsync(options.Chain, [], cancellationToken);
            ChainTelemetry.ReportPending(options.Chain, []);
            return new WatchRound(WatchOutcome.Completed, finalized.Number, committedCount, 0);
        }

        var pendingLogs = await ReadDepositLogsAsync(finalized.Number + 1, latest.Number, cancellationToken);
        if (pendingLogs is null)
        {
            return new WatchRound(WatchOutcome.NodeBehind, finalized.Number, committedCount, 0);
        }

        if (!await StillCanonicalAsync(pendingLogs, cancellationToken))
        {
            return new WatchRound(WatchOutcome.ReorgDuringRead, finalized.Number, committedCount, 0);
        }

        var pending = pendingLogs.Select(Decode).ToList();
        ChainTelemetry.DepositsSeen(span, pending, final: false);
        await sink.ReplacePendingAsync(options.Chain, pending, cancellationToken);
        ChainTelemetry.ReportPending(options.Chain, pending);
        return new WatchRound(WatchOutcome.Completed, finalized.Number, committedCount, pending.Count);
    }

    /// <summary>Finalized never moves backwards, and the block at the cursor must still be the one we committed.</summary>
    private async Task EnsureConsistentWithCursorAsync(ChainCursor cursor, EvmBlock finalized, CancellationToken cancellationToken)
    {
        if (finalized.Number < cursor.Height)
        {
            throw new FinalityViolationException(
                $"{options.Chain}: the node's finalized block {finalized.Number} is below the committed cursor {cursor.Height}; finality never moves backwards.");
        }

        var atCursor = await RequiredBlockAsync(BlockTag.AtNumber(cursor.Height), cancellationToken);
        if (!string.Equals(atCursor.Hash.ToString(), cursor.BlockHash, StringComparison.OrdinalIgnoreCase))
        {
            throw new FinalityViolationException(
                $"{options.Chain}: block {cursor.Height} is now {atCursor.Hash}, but {cursor.BlockHash} was committed as final (a reorg deeper than finality).");
        }
    }

    /// <summary>
    /// The vault's Deposited logs in [from, to], or null when the node's head is below <paramref name="to"/>: a node
    /// that has not seen a block answers getLogs with nothing, which must not be taken for "no deposits".
    /// </summary>
    private async Task<IReadOnlyList<EvmLog>?> ReadDepositLogsAsync(ulong from, ulong to, CancellationToken cancellationToken)
    {
        var filter = new LogFilter(from, to) { Addresses = [options.Vault], Topics = [[ClearingVaultAbi.Deposited.Topic0]] };
        var logs = (await rpc.GetLogsChunkedAsync(filter, options.BlocksPerLogQuery, cancellationToken)).Value;
        var head = (await rpc.GetBlockNumberAsync(cancellationToken)).Value;
        if (head < to)
        {
            return null;
        }

        // The address filter is the node's; checking again costs nothing and keeps another contract's
        // look-alike event out even from a misbehaving node.
        return logs.Where(log => !log.Removed && log.Address == options.Vault).ToList();
    }

    /// <summary>Whether every block that holds one of <paramref name="logs"/> is still the block at its height.</summary>
    private async Task<bool> StillCanonicalAsync(IReadOnlyList<EvmLog> logs, CancellationToken cancellationToken)
    {
        foreach (var height in logs.Select(log => log.BlockNumber).Distinct())
        {
            var block = await rpc.GetBlockAsync(BlockTag.AtNumber(height), cancellationToken);
            if (block.Value is not { } current || logs.Any(log => log.BlockNumber == height && log.BlockHash != current.Hash))
            {
                return false;
            }
        }

        return true;
    }

    private ObservedDeposit Decode(EvmLog log)
    {
        var deposit = ClearingVaultAbi.DecodeDeposited(log.Topics, log.Data);
        var accountId = AccountIdCodec.FromBytes32(deposit.Account, out var suspenseReason);
        var token = deposit.Token;
        if (!options.Tokens.TryGetValue(token, out var asset))
        {
            // The vault refuses tokens that are not allowlisted; seeing one means the two allowlists differ.
            // The value is in the vault all the same, so it is kept in suspense rather than dropped.
            asset = token.ToChecksumString();
            accountId = null;
            suspenseReason = $"token {token.ToChecksumString()} is not in {options.Chain}'s allowlist";
        }

        return new ObservedDeposit(
            new DepositKey(options.Chain, log.TransactionHash.ToString(), checked((int)log.LogIndex)),
            accountId,
            asset,
            token.IsZero ? "" : token.ToChecksumString(),
            deposit.Amount,
            log.BlockNumber,
            log.BlockHash.ToString(),
            deposit.Depositor.ToChecksumString(),
            suspenseReason);
    }

    private async Task<EvmBlock> RequiredBlockAsync(BlockTag tag, CancellationToken cancellationToken) =>
        (await rpc.GetBlockAsync(tag, cancellationToken)).Value
        ?? throw new RpcException(new RpcFailure(RpcFailureKind.Transport, $"{options.Chain}: the node has no block '{tag}' yet"));
}
