using Clearing.Actors.Hosting;

namespace Clearing.Actors;

/// <summary>Anything with a grain identity: grain references and grain instances (Orleans' <c>IAddressable</c>).</summary>
public interface IAddressable;

/// <summary>Marker of grain interfaces. Every method returns <see cref="Task"/> or <see cref="Task{TResult}"/> (named …Async).</summary>
public interface IGrain : IAddressable;

/// <summary>A grain interface whose grains are keyed by a string.</summary>
public interface IGrainWithStringKey : IGrain;

/// <summary>Creates references to grains; every call on a reference is routed through the host to the grain's activation.</summary>
public interface IGrainFactory
{
    TGrainInterface GetGrain<TGrainInterface>(string primaryKey)
        where TGrainInterface : IGrainWithStringKey;
}

/// <summary>
/// Base class of grain implementations. Construction, activation, every request, timer tick and deactivation run
/// as turns on the activation's own exclusive scheduler: grain code never runs in parallel with itself. Do not use
/// <c>ConfigureAwait(false)</c> in grain code: it would leave that scheduler.
/// </summary>
public abstract class Grain : IAddressable
{
    /// <summary>Binds the grain to the activation being constructed (set by the host around the constructor call).</summary>
    protected Grain() =>
        Activation = Activation.Constructing
            ?? throw new InvalidOperationException("Grains are created by the actor host; get one through IGrainFactory.GetGrain.");

    internal Activation Activation { get; }

    protected IGrainFactory GrainFactory => Activation.Host.GrainFactory;

    /// <summary>
    /// The lease epoch this activation writes under. Pass it with every write made outside
    /// <see cref="IPersistentState{TState}"/> (a unit of work), so that a deposed host's writes are fenced.
    /// </summary>
    protected long LeaseEpoch => Activation.Epoch;

    /// <summary>
    /// Runs a write made outside <see cref="IPersistentState{TState}"/> — typically one transaction holding grain
    /// states (see <see cref="IStateCommitParticipant"/>), journal entries and an idempotency key — given this
    /// activation's <see cref="LeaseEpoch"/>, with the same failure handling as <c>WriteStateAsync</c>: a
    /// <see cref="Storage.InconsistentStateException"/> or <see cref="Storage.FencedWriteException"/> drops the
    /// activation (no in-memory state survives it) and is rethrown.
    /// </summary>
    protected Task<T> CommitDurablyAsync<T>(Func<long, Task<T>> commit)
    {
        ArgumentNullException.ThrowIfNull(commit);
        return Activation.GuardWriteAsync(() => commit(Activation.Epoch));
    }

    /// <summary>Called once, after persistent state was read and before the first request.</summary>
    public virtual Task OnActivateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Called once when the activation is deactivated gracefully (idle, <see cref="DeactivateOnIdle"/>, host stop).
    /// Not called when the activation is dropped (a refused write or a lost lease): its in-memory state is not to be trusted.
    /// </summary>
    public virtual Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Deactivates this activation once its running requests finish; later calls reach a new activation.</summary>
    protected void DeactivateOnIdle() => Activation.RequestDeactivation(DeactivationReason.ApplicationRequested);

    /// <summary>
    /// An in-memory timer: the callback runs as a turn of this activation (queued behind requests, one at a time),
    /// first after <paramref name="dueTime"/>, then <paramref name="period"/> after each tick completes
    /// (<see cref="Timeout.InfiniteTimeSpan"/>: once). Ticks do not keep the grain active; the timer dies with the activation.
    /// </summary>
    protected IDisposable RegisterTimer(Func<object?, Task> callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        Activation.RegisterTimer(callback, state, dueTime, period);

    /// <summary>
    /// A persisted reminder (the grain must implement <see cref="IRemindable"/>): it ticks at now + <paramref name="dueTime"/>
    /// and every <paramref name="period"/> after, survives deactivation and host restarts, and activates the grain to tick.
    /// </summary>
    protected Task<IGrainReminder> RegisterOrUpdateReminderAsync(string reminderName, TimeSpan dueTime, TimeSpan period) =>
        Activation.Host.Reminders.RegisterOrUpdateAsync(Activation, reminderName, dueTime, period);

    protected Task UnregisterReminderAsync(IGrainReminder reminder)
    {
        ArgumentNullException.ThrowIfNull(reminder);
        return Activation.Host.Reminders.UnregisterAsync(Activation, reminder.ReminderName);
    }

    protected Task<IGrainReminder?> GetReminderAsync(string reminderName) =>
        Activation.Host.Reminders.GetAsync(Activation.GrainId, reminderName);
}

/// <summary>Why an activation is deactivated.</summary>
public enum DeactivationReason
{
    /// <summary>No request for the host's idle timeout.</summary>
    ActivationIdle,

    /// <summary>The grain called <c>DeactivateOnIdle()</c>.</summary>
    ApplicationRequested,

    /// <summary>A state write was refused (<see cref="Storage.InconsistentStateException"/>): dropped, reloaded on the next call.</summary>
    InconsistentState,

    /// <summary>The host lost the lease or was fenced: dropped.</summary>
    LeaseLost,

    /// <summary>The host is stopping.</summary>
    HostShutdown,
}

/// <summary>Implemented by grains that register reminders.</summary>
public interface IRemindable : IGrain
{
    Task ReceiveReminder(string reminderName, TickStatus status);
}

/// <summary>A reminder tick: the instant it was scheduled for, the reminder's start and period.</summary>
public readonly record struct TickStatus(DateTimeOffset FirstTickTime, TimeSpan Period, DateTimeOffset CurrentTickTime);

/// <summary>A handle on a registered reminder.</summary>
public interface IGrainReminder
{
    string ReminderName { get; }
}

/// <summary>Identity helpers on grains and grain references (Orleans' <c>GrainExtensions</c>).</summary>
public static class GrainExtensions
{
    public static GrainId GetGrainId(this IAddressable grain) => grain switch
    {
        Grain instance => instance.Activation.GrainId,
        GrainReference reference => reference.GrainId,
        null => throw new ArgumentNullException(nameof(grain)),
        _ => throw new ArgumentException($"{grain.GetType()} is neither a grain nor a grain reference.", nameof(grain)),
    };

    public static string GetPrimaryKeyString(this IAddressable grain) => grain.GetGrainId().Key;
}
