namespace Clearing.Actors.Lease;

/// <summary>
/// The single-active-host lease of one database: one row (holder, epoch, expiry). The holder is the only host
/// that serves grains; the epoch it was granted goes with every storage and reminder write, and the storage
/// refuses writes whose epoch is not the current one (<see cref="Storage.FencedWriteException"/>), so a deposed
/// host cannot write even if it has not noticed yet. Implementations: <see cref="MemoryHostLease"/> here, SQLite
/// and PostgreSQL in Clearing.Persistence (the lease row lives in the same database as the grain state it fences).
/// </summary>
/// <remarks>
/// Time is the caller's clock (<c>now</c> parameters), so the fake clock drives lapses in tests; hosts of one
/// database must therefore have roughly synchronised clocks, and the TTL must exceed their skew.
/// Each call is atomic (one transaction or one lock): of two hosts racing for a lapsed lease, exactly one wins.
/// </remarks>
public interface IHostLease
{
    /// <summary>Acquires or renews the lease for <paramref name="hostId"/>.</summary>
    /// <returns>
    /// <list type="bullet">
    /// <item>No row yet: a grant with epoch 1, expiring at <c>now + ttl</c>.</item>
    /// <item>Held by <paramref name="hostId"/> and not lapsed (<c>now &lt; ExpiresAt</c>): a renewal, same epoch,
    /// expiry moved to <c>now + ttl</c>.</item>
    /// <item>Lapsed (<c>now ≥ ExpiresAt</c>), whoever held it, <paramref name="hostId"/> included: a new tenure,
    /// epoch + 1, holder <paramref name="hostId"/>, expiring at <c>now + ttl</c>.</item>
    /// <item>Held by another host and not lapsed: null, and nothing changes.</item>
    /// </list>
    /// </returns>
    Task<LeaseGrant?> TryAcquireAsync(string hostId, DateTimeOffset now, TimeSpan ttl, CancellationToken cancellationToken);

    /// <summary>
    /// Gives the lease up at shutdown so a standby need not wait for the TTL: if <paramref name="hostId"/> holds
    /// <paramref name="epoch"/>, the expiry becomes <paramref name="now"/> (holder and epoch stay; the next acquirer
    /// bumps the epoch). Otherwise nothing changes.
    /// </summary>
    Task ReleaseAsync(string hostId, long epoch, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>The lease row, or null if it was never granted.</summary>
    Task<LeaseGrant?> ReadAsync(CancellationToken cancellationToken);
}
