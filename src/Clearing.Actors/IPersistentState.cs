namespace Clearing.Actors;

/// <summary>
/// One named piece of a grain's durable state (Orleans' <c>IPersistentState&lt;T&gt;</c>). Get one by a grain
/// constructor parameter marked <see cref="PersistentStateAttribute"/>; the host reads it before the grain's first turn.
/// </summary>
/// <remarks>
/// <see cref="Etag"/> is the storage's integer version (0 = never written). A write whose version is stale throws
/// <see cref="Storage.InconsistentStateException"/>; a write from a deposed host throws <see cref="Storage.FencedWriteException"/>.
/// Either way the activation is dropped as soon as its running requests end, so no in-memory state survives a
/// refused write; the next call activates the grain afresh from storage.
/// </remarks>
public interface IPersistentState<TState>
    where TState : new()
{
    TState State { get; set; }

    /// <summary>True if storage holds a record (written and not cleared).</summary>
    bool RecordExists { get; }

    /// <summary>The version this activation last read or wrote.</summary>
    long Etag { get; }

    Task ReadStateAsync();

    Task WriteStateAsync();

    /// <summary>Clears the record; <see cref="State"/> becomes a new <typeparamref name="TState"/>.</summary>
    Task ClearStateAsync();
}
