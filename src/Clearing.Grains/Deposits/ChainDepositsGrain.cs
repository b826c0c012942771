using System.Numerics;
using System.Text.Json.Serialization;
using Clearing.Actors;
using Clearing.Chains;
using Clearing.Grains.Accounts;
using Clearing.Grains.Durable;
using Clearing.Grains.Risk;
using Clearing.Grains.Serialization;
using Clearing.Persistence.Cursors;
using Clearing.Persistence.UnitOfWork;
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
/// The deposits of one chain. A batch of final deposits is ONE durable commit (<see cref="DepositBatch"/>): the cursor
/// advance (compare-and-set from the position read at the start, fenced by the lease epoch) together with every
/// deposit's global key, balanced journal and row in its recipient's deposit inbox. So the cursor and the credits
/// move together or not at all; a deposit whose key was consumed before (a replay) is skipped inside that commit. The
/// recipients — margin accounts, the chain's suspense account — fold their inbox rows into their own state (each stays
/// the single writer of its state document); this grain nudges every recipient with waiting rows after each batch.
/// See README.md "Deposits".
/// </summary>
public sealed class ChainDepositsGrain(
    [PersistentState("pending")] IPersistentState<ChainPendingState> pending,
    CursorStore cursors,
    DurableUnitOfWork unitOfWork,
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

        // At the stored cursor (same hash) the batch is a replay: no advance, and its keys are found consumed.
        var advance = stored is null || (long)through.Height > stored.Position
            ? new CursorAdvance(Chain, stored?.Position, (long)through.Height, through.BlockHash)
            : null;
        var plan = DepositBatch.Plan(Chain, advance, batch.Deposits, risk.Current, clock.GetUtcNow());
        var credits = plan.Commit.Deposits;
        IReadOnlyList<string> creditedBefore = [];
        if (advance is not null || credits.Count > 0)
        {
            var outcome = await CommitDurablyAsync(epoch => unitOfWork.CommitAsync(plan.Commit with { Epoch = epoch }));
            creditedBefore = ((CommitOutcome.Committed)outcome).DepositsCreditedBefore;
        }

        // Counted per entry of the batch (a key listed twice is credited once and found consumed once).
        var skipped = creditedBefore.CountBy(key => key, StringComparer.Ordinal).ToDictionary(StringComparer.Ordinal);
        int credited = 0, suspended = 0;
        foreach (var credit in credits)
        {
            if (skipped.GetValueOrDefault(credit.Credit.CreditKey) > 0)
            {
                skipped[credit.Credit.CreditKey]--;
            }
            else if (credit.Credit.Recipient == LedgerAccounts.Suspense(Chain))
            {
                suspended++;
            }
            else
            {
                credited++;
            }
        }

        await NudgeRecipientsAsync();
        return new FinalizedBatchResult(credited, suspended, creditedBefore.Count, plan.ZeroAmount, through);
    }

    /// <summary>
    /// Asks every recipient with credits of this chain waiting in its inbox to absorb them: those of the batch just
    /// committed, and any a crash kept from being told before. (Each recipient also absorbs before any command that reads
    /// its balances, so a lost nudge never shows a member a credited deposit missing.)
    /// </summary>
    private async Task NudgeRecipientsAsync()
    {
        foreach (var recipient in await unitOfWork.Inbox.RecipientsWithCreditsAsync(Chain))
        {
            await DepositRecipients.Of(GrainFactory, recipient).AbsorbCreditedDepositsAsync();
        }
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
