namespace Clearing.Actors.Storage;

/// <summary>
/// A write was refused because it carried a lease epoch that is no longer current: the writing host was deposed
/// (another host acquired the lease since). Thrown by <see cref="IGrainStorage"/> and <see cref="Reminders.IReminderTable"/>
/// writes; a host that sees it stops serving until it holds the lease again.
/// </summary>
public sealed class FencedWriteException : Exception
{
    public FencedWriteException(long writeEpoch, long currentEpoch)
        : base($"Write fenced: it carries lease epoch {writeEpoch}, but the current epoch is {currentEpoch} (this host was deposed).")
    {
        WriteEpoch = writeEpoch;
        CurrentEpoch = currentEpoch;
    }

    public long WriteEpoch { get; }

    public long CurrentEpoch { get; }
}
