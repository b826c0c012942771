using Clearing.Chains;

namespace Clearing.IntegrationTests.Execution;

internal sealed class SimulatedCrashException() : Exception("simulated crash right after the binding was persisted");

/// <summary>Persists the binding, then "crashes" before the executor can send anything: the worst moment for exactly-once.</summary>
internal sealed class CrashAfterBindJournal(IChainActionJournal inner) : IChainActionJournal
{
    public Task<IReadOnlyList<ChainAction>> OpenAsync(string chain, CancellationToken cancellationToken) => inner.OpenAsync(chain, cancellationToken);

    public async Task<ChainAction> BindAsync(long actionId, ChainActionBinding binding, CancellationToken cancellationToken)
    {
        await inner.BindAsync(actionId, binding, cancellationToken);
        throw new SimulatedCrashException();
    }

    public Task<ChainAction> RebindAsync(long actionId, string replacedTxId, ChainActionBinding binding, CancellationToken cancellationToken) => inner.RebindAsync(actionId, replacedTxId, binding, cancellationToken);

    public Task<ChainAction> MarkBroadcastAsync(long actionId, CancellationToken cancellationToken) => inner.MarkBroadcastAsync(actionId, cancellationToken);

    public Task<ChainAction> MarkConfirmedAsync(long actionId, CancellationToken cancellationToken) => inner.MarkConfirmedAsync(actionId, cancellationToken);

    public Task<ChainAction> AbandonAsync(long actionId, string reason, CancellationToken cancellationToken) => inner.AbandonAsync(actionId, reason, cancellationToken);

    public Task<ChainAction> MarkFailedAsync(long actionId, string reason, CancellationToken cancellationToken) => inner.MarkFailedAsync(actionId, reason, cancellationToken);
}
