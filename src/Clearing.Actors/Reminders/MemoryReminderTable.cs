using System.Collections.Concurrent;
using Clearing.Actors.Lease;

namespace Clearing.Actors.Reminders;

/// <summary><see cref="IReminderTable"/> in memory, fenced by the <see cref="MemoryHostLease"/> of the same "database".</summary>
public sealed class MemoryReminderTable(MemoryHostLease lease) : IReminderTable
{
    private readonly ConcurrentDictionary<(GrainId GrainId, string Name), ReminderEntry> _rows = new();

    public Task<IReadOnlyList<ReminderEntry>> ReadAllAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<IReadOnlyList<ReminderEntry>>([.. _rows.Values]);
    }

    public Task<ReminderEntry?> ReadAsync(GrainId grainId, string name, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_rows.GetValueOrDefault((grainId, name)));
    }

    public Task UpsertAsync(ReminderEntry entry, long epoch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        cancellationToken.ThrowIfCancellationRequested();
        lease.RunFenced(epoch, () => _rows[(entry.GrainId, entry.Name)] = entry);
        return Task.CompletedTask;
    }

    public Task<bool> RemoveAsync(GrainId grainId, string name, long epoch, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(lease.RunFenced(epoch, () => _rows.TryRemove((grainId, name), out _)));
    }
}
