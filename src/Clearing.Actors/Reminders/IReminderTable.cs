using Clearing.Actors.Storage;

namespace Clearing.Actors.Reminders;

/// <summary>
/// Durable reminders, keyed by (grain id, reminder name). A host loads them all when it becomes the active host
/// (so reminders fire after a restart or a fail-over), and writes through here when grains register or
/// unregister. Writes are fenced exactly like <see cref="IGrainStorage"/>: they succeed only if
/// <c>epoch</c> is the current epoch of the lease in the same database, else <see cref="FencedWriteException"/>
/// and nothing changes. Implementations: <see cref="MemoryReminderTable"/> here, SQLite and PostgreSQL in
/// Clearing.Persistence.
/// </summary>
public interface IReminderTable
{
    /// <summary>Every reminder of every grain, in no particular order.</summary>
    Task<IReadOnlyList<ReminderEntry>> ReadAllAsync(CancellationToken cancellationToken);

    /// <summary>The reminder, or null if there is none of that name for that grain.</summary>
    Task<ReminderEntry?> ReadAsync(GrainId grainId, string name, CancellationToken cancellationToken);

    /// <summary>Inserts the reminder, or replaces the one with the same (grain id, name).</summary>
    /// <exception cref="FencedWriteException"><paramref name="epoch"/> is not the lease's current epoch.</exception>
    Task UpsertAsync(ReminderEntry entry, long epoch, CancellationToken cancellationToken);

    /// <summary>Removes the reminder; true if it existed.</summary>
    /// <exception cref="FencedWriteException"><paramref name="epoch"/> is not the lease's current epoch.</exception>
    Task<bool> RemoveAsync(GrainId grainId, string name, long epoch, CancellationToken cancellationToken);
}
