using Clearing.Actors;
using Clearing.Chains;

namespace Clearing.Grains.Deposits;

/// <summary>
/// The <see cref="IDepositSink"/> of a running host: every call goes to the chain's <see cref="IChainDepositsGrain"/>,
/// which commits a finalized batch as one transaction — the fenced cursor advance with every deposit's key, journal and
/// inbox row — and then has the accounts absorb their credits. A chain watcher may call it again after any failure
/// with what it reads again: what was committed comes back as credited before.
/// </summary>
public sealed class DurableDepositSink(IGrainFactory grains) : IDepositSink
{
    public Task<ChainCursor?> ReadCursorAsync(string chain, CancellationToken cancellationToken) =>
        Deposits(chain).GetCursorAsync().WaitAsync(cancellationToken);

    public Task CommitFinalizedAsync(string chain, ChainCursor through, IReadOnlyList<ObservedDeposit> deposits, CancellationToken cancellationToken) =>
        Deposits(chain).CommitFinalizedAsync(new FinalizedBatch(through, deposits)).WaitAsync(cancellationToken);

    public Task ReplacePendingAsync(string chain, IReadOnlyList<ObservedDeposit> pending, CancellationToken cancellationToken) =>
        Deposits(chain).ReplacePendingAsync(pending).WaitAsync(cancellationToken);

    private IChainDepositsGrain Deposits(string chain)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(chain);
        return grains.GetGrain<IChainDepositsGrain>(chain);
    }
}
