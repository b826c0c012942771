namespace Clearing.Actors.Storage;

/// <summary>
/// A write or clear was refused because the version (ETag) the writer held is not the stored one: someone else
/// wrote since this activation read. As in Orleans, the host drops the activation that saw it, so its in-memory
/// state is discarded and the next call reloads from storage.
/// </summary>
public sealed class InconsistentStateException : Exception
{
    public InconsistentStateException(string message, long storedVersion, long currentVersion)
        : base(message)
    {
        StoredVersion = storedVersion;
        CurrentVersion = currentVersion;
    }

    /// <summary>The version in storage when the write was refused.</summary>
    public long StoredVersion { get; }

    /// <summary>The version the writer held in memory and expected to replace.</summary>
    public long CurrentVersion { get; }
}
