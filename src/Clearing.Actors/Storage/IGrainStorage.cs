namespace Clearing.Actors.Storage;

/// <summary>
/// Durable grain state, addressed by (grain type, grain key, state name), with an integer version as ETag and
/// writes fenced by the host lease's epoch. Implementations: <see cref="MemoryGrainStorage"/> here, SQLite and
/// PostgreSQL in Clearing.Persistence; one conformance suite holds all of them to this contract.
/// </summary>
/// <remarks>
/// <para><b>Versions.</b> A (grain, state name) that was never written reads as version 0 with no record.
/// A write or clear succeeds only when <c>expectedVersion</c> equals the stored version, and then the stored
/// version becomes <c>expectedVersion + 1</c>, which the method returns. Versions never go back: a clear keeps
/// a tombstone (no JSON, version + 1) rather than deleting the row, so a writer holding a version from before the
/// clear is refused (no ABA). Clearing a never-written state is allowed (expected 0) and leaves a tombstone at 1.</para>
/// <para><b>Fencing.</b> Every write and clear carries the writing host's lease epoch (<see cref="Lease.IHostLease"/>).
/// It succeeds only if that epoch equals the current epoch of the lease kept in the same database, checked
/// atomically with the write (same transaction / same lock). Expiry is not re-checked here: a host whose lease
/// lapsed but was not taken over still holds the newest epoch, and no other host can have written.</para>
/// <para><b>Failures, in order of precedence.</b> Epoch not current: <see cref="FencedWriteException"/>.
/// Otherwise version mismatch: <see cref="InconsistentStateException"/> with the stored and the expected version.
/// A refused write changes nothing.</para>
/// <para><b>JSON.</b> Stored and returned verbatim (the read string equals the written string), so a text column,
/// not a normalising type such as PostgreSQL jsonb.</para>
/// </remarks>
public interface IGrainStorage
{
    /// <summary>Reads the state; <see cref="GrainStateRecord.Missing"/> (version 0, no JSON) if never written.</summary>
    Task<GrainStateRecord> ReadAsync(GrainId grainId, string stateName, CancellationToken cancellationToken);

    /// <summary>Writes <paramref name="json"/> if the stored version is <paramref name="expectedVersion"/> and
    /// <paramref name="epoch"/> is the lease's current epoch; returns the new version (<c>expectedVersion + 1</c>).</summary>
    /// <exception cref="FencedWriteException"><paramref name="epoch"/> is not the lease's current epoch.</exception>
    /// <exception cref="InconsistentStateException">The stored version is not <paramref name="expectedVersion"/>.</exception>
    Task<long> WriteAsync(GrainId grainId, string stateName, string json, long expectedVersion, long epoch, CancellationToken cancellationToken);

    /// <summary>Removes the JSON, keeping a tombstone, under the same version and epoch rules as
    /// <see cref="WriteAsync"/>; returns the new version (<c>expectedVersion + 1</c>).</summary>
    /// <exception cref="FencedWriteException"><paramref name="epoch"/> is not the lease's current epoch.</exception>
    /// <exception cref="InconsistentStateException">The stored version is not <paramref name="expectedVersion"/>.</exception>
    Task<long> ClearAsync(GrainId grainId, string stateName, long expectedVersion, long epoch, CancellationToken cancellationToken);
}
