using Clearing.Actors.Reminders;
using Clearing.Actors.Storage;

namespace Clearing.Actors.Hosting;

/// <summary>
/// Fires persisted reminders while the host holds the lease. On taking the lease it loads every reminder from the
/// <see cref="IReminderTable"/> and arms a clock timer per reminder; each tick is dispatched like a call to the
/// grain's <see cref="IRemindable.ReceiveReminder"/>, activating the grain if needed.
/// </summary>
/// <remarks>
/// Ticks fall on the grid StartAt + k × Period. A reminder loaded after StartAt resumes at the next grid instant
/// after now: ticks that fell while no host ran are not replayed (Orleans does the same), so one restart neither
/// repeats nor bunches ticks. Registration times are written in whole milliseconds (the tables' precision).
/// </remarks>
internal sealed class ReminderService(ActorHost host, IReminderTable table)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(GrainId GrainId, string Name), ScheduledReminder> _scheduled = [];

    /// <summary>Arms every reminder of the table (called when the host takes the lease).</summary>
    public async Task LoadAsync()
    {
        var entries = await table.ReadAllAsync(CancellationToken.None).ConfigureAwait(false);
        foreach (var entry in entries)
        {
            Schedule(entry);
        }
    }

    /// <summary>Disarms everything (the host lost the lease or stops); the table keeps the reminders.</summary>
    public void Stop()
    {
        lock (_gate)
        {
            foreach (var scheduled in _scheduled.Values)
            {
                scheduled.Timer.Dispose();
            }

            _scheduled.Clear();
        }
    }

    public async Task<IGrainReminder> RegisterOrUpdateAsync(Activation activation, string name, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(dueTime, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(period, TimeSpan.FromMilliseconds(1));
        if (!host.Grains.ForType(activation.GrainId.Type).IsRemindable)
        {
            throw new InvalidOperationException($"Grain {activation.GrainId} registers reminder '{name}' but does not implement IRemindable.");
        }

        var entry = new ReminderEntry(activation.GrainId, name, WholeMilliseconds(host.Clock.GetUtcNow() + dueTime), TimeSpan.FromMilliseconds(Math.Floor(period.TotalMilliseconds)));
        await Fenced(activation, () => table.UpsertAsync(entry, activation.Epoch, CancellationToken.None));
        Schedule(entry);
        return new GrainReminder(name);
    }

    public async Task UnregisterAsync(Activation activation, string name)
    {
        await Fenced(activation, () => table.RemoveAsync(activation.GrainId, name, activation.Epoch, CancellationToken.None));
        lock (_gate)
        {
            if (_scheduled.Remove((activation.GrainId, name), out var scheduled))
            {
                scheduled.Timer.Dispose();
            }
        }
    }

    public async Task<IGrainReminder?> GetAsync(GrainId grainId, string name) =>
        await table.ReadAsync(grainId, name, CancellationToken.None) is null ? null : new GrainReminder(name);

    private async Task Fenced(Activation activation, Func<Task> write)
    {
        try
        {
            await write();
        }
        catch (FencedWriteException fenced)
        {
            host.OnFenced(activation, fenced);
            throw;
        }
    }

    private void Schedule(ReminderEntry entry)
    {
        var now = host.Clock.GetUtcNow();
        var next = entry.StartAt;
        if (next < now)
        {
            var periodsPassed = (now - entry.StartAt).Ticks / entry.Period.Ticks + 1;
            next = entry.StartAt + TimeSpan.FromTicks(entry.Period.Ticks * periodsPassed);
        }

        var scheduled = new ScheduledReminder(this, entry, next);
        lock (_gate)
        {
            if (_scheduled.Remove((entry.GrainId, entry.Name), out var replaced))
            {
                replaced.Timer.Dispose();
            }

            using (ExecutionContext.SuppressFlow())
            {
                scheduled.Timer = host.Clock.CreateTimer(static state => ((ScheduledReminder)state!).Fire(), scheduled, next - now, entry.Period);
            }

            _scheduled[(entry.GrainId, entry.Name)] = scheduled;
        }
    }

    private void Fire(ScheduledReminder scheduled)
    {
        var entry = scheduled.Entry;
        var status = new TickStatus(entry.StartAt, entry.Period, scheduled.NextTick);
        scheduled.NextTick += entry.Period;
        var tick = new GrainRequest(
            entry.GrainId,
            nameof(IRemindable.ReceiveReminder),
            async grain =>
            {
                await ((IRemindable)grain).ReceiveReminder(entry.Name, status);
                return null;
            },
            alwaysInterleave: false,
            callerChain: null,
            RequestKind.ReminderTick);
        tick.StartTimeout(host.Clock, host.Options.DefaultCallTimeout);
        host.Dispatch(tick);
        tick.Completion.Task.ContinueWith(
            done => host.ReportBackgroundError(entry.GrainId, done.Exception!.InnerException!),
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted,
            TaskScheduler.Default);
    }

    private static DateTimeOffset WholeMilliseconds(DateTimeOffset instant) =>
        new(instant.UtcTicks - (instant.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);

    private sealed class ScheduledReminder(ReminderService service, ReminderEntry entry, DateTimeOffset nextTick)
    {
        public ReminderEntry Entry { get; } = entry;

        public DateTimeOffset NextTick { get; set; } = nextTick;

        public ITimer Timer { get; set; } = null!;

        public void Fire() => service.Fire(this);
    }

    private sealed record GrainReminder(string ReminderName) : IGrainReminder;
}
