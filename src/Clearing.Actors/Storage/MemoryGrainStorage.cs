using System.Collections.Concurrent;
using Clearing.Actors.Lease;

namespace Clearing.Actors.Storage;

/// <summary><see cref="IGrainStorage"/> in memory, fenced by the <see cref="MemoryHostLease"/> of the same "database".</summary>
public sealed class MemoryGrainStorage(MemoryHostLease lease) : IGrainStorage, IGrainStateScanner
{
    private readonly ConcurrentDictionary<(GrainId GrainId, string StateName), GrainStateRecord> _rows = new();

    public Task<GrainStateRecord> ReadAsync(GrainId grainId, string stateName, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_rows.GetValueOrDefault((grainId, stateName), GrainStateRecord.Missing));
    }

    public Task<IReadOnlyList<ScannedGrainState>> ScanAsync(string grainType, string stateName, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        IReadOnlyList<ScannedGrainState> found = [.. _rows
            .Where(row => row.Key.GrainId.Type == grainType && row.Key.StateName == stateName && row.Value.Json is not null)
            .Select(row => new ScannedGrainState(row.Key.GrainId.Key, row.Value.Version, row.Value.Json!))
            .OrderBy(row => row.Key, StringComparer.Ordinal)];
        return Task.FromResult(found);
    }

    public Task<long> WriteAsync(GrainId grainId, string stateName, string json, long expectedVersion, long epoch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(json);
        return Task.FromResult(Replace(grainId, stateName, json, expectedVersion, epoch, cancellationToken));
    }

    public Task<long> ClearAsync(GrainId grainId, string stateName, long expectedVersion, long epoch, CancellationToken cancellationToken) =>
        Task.FromResult(Replace(grainId, stateName, json: null, expectedVersion, epoch, cancellationToken));

    private long Replace(GrainId grainId, string stateName, string? json, long expectedVersion, long epoch, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return lease.RunFenced(epoch, () =>
        {
            // Writes run under the lease lock, one at a time, so the compare and the replace are atomic.
            var key = (grainId, stateName);
            var stored = _rows.GetValueOrDefault(key, GrainStateRecord.Missing);
            if (stored.Version != expectedVersion)
            {
                throw new InconsistentStateException(
                    $"Version conflict on {grainId} state '{stateName}': stored version {stored.Version}, writer expected {expectedVersion}.",
                    stored.Version,
                    expectedVersion);
            }

            var written = new GrainStateRecord(expectedVersion + 1, json);
            _rows[key] = written;
            return written.Version;
        });
    }
}
