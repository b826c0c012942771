using Clearing.Actors;
using Clearing.Chains;

namespace Clearing.Grains.Deposits;

/// <summary>
/// The <see cref="IDepositSink"/> of a running host: every call goes to the chain's <see cref="IChainDepositsGrain"/>,
/// which credits through the account grains (each credit durable and idempotent on its deposit key) and advances the
/// fenced cursor after them. A chain watcher may call it again after any failure with what it reads again.
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
