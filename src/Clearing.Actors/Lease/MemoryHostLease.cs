using Clearing.Actors.Storage;

namespace Clearing.Actors.Lease;

/// <summary>
/// <see cref="IHostLease"/> in memory: the "database" that <see cref="MemoryGrainStorage"/> and
/// <see cref="Reminders.MemoryReminderTable"/> built over the same instance check their write epochs against.
/// </summary>
public sealed class MemoryHostLease : IHostLease
{
    private readonly Lock _gate = new();
    private LeaseGrant? _row;

    public Task<LeaseGrant?> TryAcquireAsync(string hostId, DateTimeOffset now, TimeSpan ttl, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (_row is null)
            {
                _row = new LeaseGrant(hostId, 1, now + ttl);
            }
            else if (_row.HolderId == hostId && _row.IsHeldAt(now))
            {
                _row = _row with { ExpiresAt = now + ttl };
            }
            else if (!_row.IsHeldAt(now))
            {
                _row = new LeaseGrant(hostId, _row.Epoch + 1, now + ttl);
            }
            else
            {
                return Task.FromResult<LeaseGrant?>(null);
            }

            return Task.FromResult<LeaseGrant?>(_row);
        }
    }

    public Task ReleaseAsync(string hostId, long epoch, DateTimeOffset now, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (_row is not null && _row.HolderId == hostId && _row.Epoch == epoch)
            {
                _row = _row with { ExpiresAt = now };
            }
        }

        return Task.CompletedTask;
    }

    public Task<LeaseGrant?> ReadAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return Task.FromResult(_row);
        }
    }

    /// <summary>
    /// Runs <paramref name="write"/> only if <paramref name="epoch"/> is the current epoch, holding the lease lock
    /// so no new tenure can start in between (the in-memory equivalent of checking the lease row in the write's
    /// transaction).
    /// </summary>
    /// <exception cref="FencedWriteException"><paramref name="epoch"/> is not current.</exception>
    internal T RunFenced<T>(long epoch, Func<T> write)
    {
        lock (_gate)
        {
            var current = _row?.Epoch ?? 0;
            if (epoch != current)
            {
                throw new FencedWriteException(epoch, current);
            }

            return write();
        }
    }
}
