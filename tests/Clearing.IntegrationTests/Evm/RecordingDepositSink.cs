using Clearing.Chains;

namespace Clearing.IntegrationTests.Evm;

/// <summary>
/// An in-memory <see cref="IDepositSink"/> that records every proposal, so tests can see exactly what a watcher
/// proposed and when. (The durable sink is the margin account grain over the database; here the watcher is under test.)
/// </summary>
internal sealed class RecordingDepositSink : IDepositSink
{
    private readonly Dictionary<string, ChainCursor> cursors = [];
    private readonly Dictionary<string, IReadOnlyList<ObservedDeposit>> pending = [];
    private readonly List<ObservedDeposit> proposedFinal = [];

    public IReadOnlyList<ObservedDeposit> ProposedFinal => proposedFinal;

    public IReadOnlyList<ObservedDeposit> Pending(string chain) => pending.GetValueOrDefault(chain, []);

    public ChainCursor? Cursor(string chain) => cursors.TryGetValue(chain, out var cursor) ? cursor : null;

    public Task<ChainCursor?> ReadCursorAsync(string chain, CancellationToken cancellationToken) => Task.FromResult(Cursor(chain));

    public Task CommitFinalizedAsync(string chain, ChainCursor through, IReadOnlyList<ObservedDeposit> deposits, CancellationToken cancellationToken)
    {
        proposedFinal.AddRange(deposits);
        cursors[chain] = through;
        return Task.CompletedTask;
    }

    public Task ReplacePendingAsync(string chain, IReadOnlyList<ObservedDeposit> deposits, CancellationToken cancellationToken)
    {
        pending[chain] = deposits;
        return Task.CompletedTask;
    }
}
