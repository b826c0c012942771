using System.Numerics;
using System.Text.Json.Serialization;
using Clearing.Actors;
using Clearing.Chains;
using Clearing.Grains.Accounts;
using Clearing.Grains.Durable;
using Clearing.Grains.Risk;
using Clearing.Grains.Serialization;
using Clearing.Persistence.Cursors;
using ChainCursor = Clearing.Chains.ChainCursor;

namespace Clearing.Grains.Deposits;

/// <summary>A pending deposit that names no account that could take it, kept for operators.</summary>
public sealed record UnattributedPending(
    DepositKey Key,
    string? AccountId,
    string Asset,
    string Token,
    [property: JsonConverter(typeof(BigIntegerJsonConverter))] BigInteger Amount,
    ulong Height,
    string BlockHash,
    string Depositor,
    string? SuspenseReason);

public sealed record ChainPendingState
{
    /// <summary>Accounts last told of pending deposits on this chain: told again (maybe of none) on the next replace.</summary>
    public IReadOnlyList<string> AccountsWithPending { get; init; } = [];

    public IReadOnlyList<UnattributedPending> Unattributed { get; init; } = [];
}

/// <summary>
/// The deposits of one chain. A batch of final deposits is credited one deposit at a time — each credit its own durable
/// commit, idempotent on its <see cref="DepositKey"/> — and only then is the cursor advanced (compare-and-set from
/// the position read at the start, fenced by the lease epoch). So at every instant every deposit at or below the
/// cursor is credited exactly once, and a crash anywhere in a batch leaves the cursor where it was: the watcher reads
/// the same range again and the credits already made come back as already applied. See README.md "Deposits".
/// </summary>
public sealed class ChainDepositsGrain(
    [PersistentState("pending")] IPersistentState<ChainPendingState> pending,
    CursorStore cursors,
    IRiskConfigurationProvider risk,
    TimeProvider clock)
    : Grain, IChainDepositsGrain
{
    private string Chain => this.GetPrimaryKeyString();

    public async Task<ChainCursor?> GetCursorAsync() =>
        await cursors.GetAsync(Chain) is { } stored ? new ChainCursor((ulong)stored.Position, stored.BlockHash) : null;

    public async Task<FinalizedBatchResult> CommitFinalizedAsync(FinalizedBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var through = batch.Through;
        if (through.Height > long.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(batch), $"Height {through.Height} does not fit the cursor table.");
        }

        var stored = await cursors.GetAsync(Chain);
        if (stored is not null)
        {
            if ((long)through.Height < stored.Position)
            {
                throw new FinalityViolationException($"{Chain}: a batch through {through.Height} is behind the committed cursor {stored.Position}; finality never moves backwards.");
            }

            if ((long)through.Height == stored.Position && !string.Equals(through.BlockHash, stored.BlockHash, StringComparison.OrdinalIgnoreCase))
            {
                throw new FinalityViolationException($"{Chain}: block {through.Height} is {through.BlockHash}, but {stored.BlockHash} was committed as final.");
            }
        }

        foreach (var deposit in batch.Deposits)
        {
            if (deposit.Key.Chain != Chain || deposit.Height > through.Height)
            {
                throw new ArgumentException($"Deposit {deposit.Key} at height {deposit.Height} is not a final deposit of {Chain} through {through.Height}.", nameof(batch));
            }
        }

        int credited = 0, suspended = 0, replayed = 0, zero = 0;
        var configuration = risk.Current;
        foreach (var deposit in batch.Deposits)
        {
            CreditResult result;
            switch (DepositRoute.For(deposit, configuration))
            {
                case DepositRoute.ToAccount(var account, var units):
                    result = await GrainFactory.GetGrain<IMarginAccountGrain>(account)
                        .CreditDepositAsync(new CreditDeposit(deposit.Key, deposit.Asset, units, deposit.Height, deposit.BlockHash, deposit.Depositor));
                    break;
                case DepositRoute.ToSuspense(var reason):
                    result = await GrainFactory.GetGrain<ISuspenseGrain>(Chain)
                        .HoldAsync(new HoldInSuspense(deposit.Key, deposit.Asset, deposit.Token, deposit.Amount, deposit.Depositor, reason, deposit.AccountId));
                    break;
                default:
                    zero++;
                    continue;
            }

            if (result.Replayed)
            {
                replayed++;
            }
            else if (result.CreditedTo == LedgerAccounts.Suspense(Chain))
            {
                suspended++;
            }
            else
            {
                credited++;
            }
        }

        // Last, and only after every credit above is durable: the cursor, compare-and-set from where it was read.
        if (stored is null || (long)through.Height > stored.Position)
        {
            var advance = new CursorAdvance(Chain, stored?.Position, (long)through.Height, through.BlockHash);
            await CommitDurablyAsync(async epoch =>
            {
                await cursors.AdvanceAsync(advance, epoch, clock.GetUtcNow());
                return true;
            });
        }

        return new FinalizedBatchResult(credited, suspended, replayed, zero, through);
    }

    public async Task ReplacePendingAsync(IReadOnlyList<ObservedDeposit> deposits)
    {
        ArgumentNullException.ThrowIfNull(deposits);
        if (deposits.FirstOrDefault(d => d.Key.Chain != Chain) is { } stray)
        {
            throw new ArgumentException($"Pending deposit {stray.Key} is not on chain {Chain}.", nameof(deposits));
        }

        var configuration = risk.Current;
        var byAccount = new SortedDictionary<string, List<PendingDepositView>>(StringComparer.Ordinal);
        var unattributed = new List<UnattributedPending>();
        foreach (var deposit in deposits)
        {
            switch (DepositRoute.For(deposit, configuration))
            {
                case DepositRoute.ToAccount(var account, var units):
                    if (!byAccount.TryGetValue(account, out var list))
                    {
                        byAccount[account] = list = [];
                    }

                    list.Add(new PendingDepositView(deposit.Key, deposit.Asset, units, deposit.Height, deposit.BlockHash));
                    break;
                case DepositRoute.ToSuspense(var reason):
                    unattributed.Add(new UnattributedPending(deposit.Key, deposit.AccountId, deposit.Asset, deposit.Token, deposit.Amount, deposit.Height, deposit.BlockHash, deposit.Depositor, reason));
                    break;
            }
        }

        // Accounts that had pending deposits and have none now are told so (an empty set): reorged away or final.
        foreach (var account in pending.State.AccountsWithPending.Union(byAccount.Keys, StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            await GrainFactory.GetGrain<IMarginAccountGrain>(account)
                .ReplacePendingDepositsAsync(new ReplacePendingDeposits(Chain, byAccount.TryGetValue(account, out var views) ? views : []));
        }

        var next = new ChainPendingState { AccountsWithPending = [.. byAccount.Keys], Unattributed = unattributed };
        if (!next.AccountsWithPending.SequenceEqual(pending.State.AccountsWithPending) || !next.Unattributed.SequenceEqual(pending.State.Unattributed))
        {
            pending.State = next;
            await pending.WriteStateAsync();
        }
    }

    public Task<IReadOnlyList<ObservedDeposit>> GetUnattributedPendingAsync() =>
        Task.FromResult<IReadOnlyList<ObservedDeposit>>(
        [
            .. pending.State.Unattributed.Select(p => new ObservedDeposit(p.Key, p.AccountId, p.Asset, p.Token, p.Amount, p.Height, p.BlockHash, p.Depositor, p.SuspenseReason)),
        ]);
}
