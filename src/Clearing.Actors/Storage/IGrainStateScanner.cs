namespace Clearing.Actors.Storage;

/// <summary>
/// Reads every stored state of one grain type (and state name): what a grain that keeps a view over many others (the
/// risk book over all margin accounts) rebuilds itself from after a restart. Implemented beside <see cref="IGrainStorage"/>
/// by the memory, SQLite and PostgreSQL storages.
/// </summary>
public interface IGrainStateScanner
{
    /// <summary>
    /// Every record of <paramref name="grainType"/> / <paramref name="stateName"/> that holds JSON (cleared tombstones are
    /// left out), ordered by grain key (ordinal). A snapshot per record: a write landing during the scan may or may not be
    /// seen, so a caller pairs it with the version of each record.
    /// </summary>
    Task<IReadOnlyList<ScannedGrainState>> ScanAsync(string grainType, string stateName, CancellationToken cancellationToken);
}

/// <summary>One stored grain state found by <see cref="IGrainStateScanner.ScanAsync"/>: the grain's key, its version and JSON.</summary>
public sealed record ScannedGrainState(string Key, long Version, string Json);
