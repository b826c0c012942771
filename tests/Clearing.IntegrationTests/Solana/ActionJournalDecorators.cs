using Clearing.Chains;

namespace Clearing.IntegrationTests.Solana;

/// <summary>
/// Passes every transition to the journal underneath (TestKit's <c>MemoryChainActionJournal</c>) and remembers every
/// binding that was accepted, first bind then each rebind: what "signed once / re-signed once" is checked against.
/// </summary>
internal sealed class BindingHistoryJournal(IChainActionJournal inner) : IChainActionJournal
{
    private readonly Lock gate = new();
    private readonly List<(long ActionId, ChainActionBinding Binding)> accepted = [];

    public IReadOnlyList<ChainActionBinding> BindingsOf(long actionId)
    {
        lock (gate)
        {
            return accepted.Where(b => b.ActionId == actionId).Select(b => b.Binding).ToList();
        }
    }

    public Task<IReadOnlyList<ChainAction>> OpenAsync(string chain, CancellationToken cancellationToken) => inner.OpenAsync(chain, cancellationToken);

    public async Task<ChainAction> BindAsync(long actionId, ChainActionBinding binding, CancellationToken cancellationToken) =>
        Remember(actionId, binding, await inner.BindAsync(actionId, binding, cancellationToken));

    public async Task<ChainAction> RebindAsync(long actionId, string replacedTxId, ChainActionBinding binding, CancellationToken cancellationToken) =>
        Remember(actionId, binding, await inner.RebindAsync(actionId, replacedTxId, binding, cancellationToken));

    public Task<ChainAction> MarkBroadcastAsync(long actionId, CancellationToken cancellationToken) => inner.MarkBroadcastAsync(actionId, cancellationToken);

    public Task<ChainAction> MarkConfirmedAsync(long actionId, CancellationToken cancellationToken) => inner.MarkConfirmedAsync(actionId, cancellationToken);

    public Task<ChainAction> AbandonAsync(long actionId, string reason, CancellationToken cancellationToken) => inner.AbandonAsync(actionId, reason, cancellationToken);

    public Task<ChainAction> MarkFailedAsync(long actionId, string reason, CancellationToken cancellationToken) => inner.MarkFailedAsync(actionId, reason, cancellationToken);

    private ChainAction Remember(long actionId, ChainActionBinding binding, ChainAction moved)
    {
        lock (gate)
        {
            accepted.Add((actionId, binding));
        }

        return moved;
    }
}
