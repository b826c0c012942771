using Clearing.Actors;
using Clearing.Chains;

namespace Clearing.Grains.Deposits;

/// <summary>
/// The deposits of one chain (key = the chain name, e.g. <c>evm-31337</c>): owns the chain's cursor, routes each finalized
/// deposit to its margin account (or to suspense) and commits a batch — cursor advance and every credit — as one
/// transaction; the recipients absorb their credits into their own state (<see cref="IDepositRecipient"/>). Turn-based,
/// so one batch of a chain runs at a time. The durable side of <see cref="IDepositSink"/>.
/// </summary>
[GrainType("chain-deposits")]
public interface IChainDepositsGrain : IGrainWithStringKey
{
    /// <summary>The last block (or slot) whose deposits are all credited, or null before the first batch.</summary>
    Task<ChainCursor?> GetCursorAsync();

    /// <summary>
    /// Credits every deposit of <paramref name="batch"/> (skipping those credited before) and moves the cursor to
    /// <see cref="FinalizedBatch.Through"/> in one transaction, then asks the credited accounts to absorb. Throws
    /// <see cref="FinalityViolationException"/> if that is behind the cursor or contradicts its block hash.
    /// </summary>
    [ResponseTimeout("00:10:00")]
    Task<FinalizedBatchResult> CommitFinalizedAsync(FinalizedBatch batch);

    /// <summary>Replaces the chain's pending deposits: each attributed account is told its own set, unattributed ones are kept here.</summary>
    [ResponseTimeout("00:05:00")]
    Task ReplacePendingAsync(IReadOnlyList<ObservedDeposit> pending);

    /// <summary>The pending deposits that name no valid account (shown to operators, worth zero).</summary>
    Task<IReadOnlyList<ObservedDeposit>> GetUnattributedPendingAsync();
}

/// <summary>Final deposits read up to and including block <paramref name="Through"/>.</summary>
public sealed record FinalizedBatch(ChainCursor Through, IReadOnlyList<ObservedDeposit> Deposits);

/// <summary>
/// What a batch did: credited to accounts, held in suspense, already credited before (a replay), skipped because the
/// vault received nothing; and where the cursor stands after it.
/// </summary>
public sealed record FinalizedBatchResult(int Credited, int HeldInSuspense, int AlreadyCredited, int ZeroAmount, ChainCursor Cursor);
