namespace Clearing.Actors.Storage;

/// <summary>What <see cref="IGrainStorage.ReadAsync"/> returns for one (grain, state name).</summary>
/// <param name="Version">
/// The integer ETag. 0 = never written. Every successful write or clear returns the previous version + 1.
/// </param>
/// <param name="Json">
/// The state as System.Text.Json text, exactly as last written; null when there is no record
/// (never written, or cleared).
/// </param>
public sealed record GrainStateRecord(long Version, string? Json)
{
    /// <summary>The state of a (grain, state name) that was never written.</summary>
    public static GrainStateRecord Missing { get; } = new(0, null);

    public bool RecordExists => Json is not null;
}
