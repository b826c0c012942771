using System.Collections.Concurrent;
using Clearing.Actors;

namespace Clearing.Actors.Tests;

/// <summary>What the test grains report to the test: shared through the host's service provider.</summary>
public sealed class Probe
{
    private int _inProgress;
    private int _maxInProgress;

    public ConcurrentQueue<string> Events { get; } = new();

    public ConcurrentQueue<int> Order { get; } = new();

    /// <summary>Grain turns that await it block until the test completes it.</summary>
    public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int InProgress => Volatile.Read(ref _inProgress);

    public int MaxInProgress => Volatile.Read(ref _maxInProgress);

    public int Count(string prefix) => Events.Count(e => e.StartsWith(prefix, StringComparison.Ordinal));

    public void Enter()
    {
        var now = Interlocked.Increment(ref _inProgress);
        int max;
        do
        {
            max = Volatile.Read(ref _maxInProgress);
        }
        while (now > max && Interlocked.CompareExchange(ref _maxInProgress, now, max) != max);
    }

    public void Leave() => Interlocked.Decrement(ref _inProgress);
}

public sealed class CounterState
{
    public int Value { get; set; }
}

[GrainType("counter")]
public interface ICounterGrain : IGrainWithStringKey
{
    Task<int> IncrementAsync();

    Task<int> GetAsync();

    /// <summary>Waits for the probe's gate, then increments and writes.</summary>
    Task<int> IncrementAfterGateAsync();

    Task DeactivateAsync();
}

public sealed class CounterGrain([PersistentState("counter")] IPersistentState<CounterState> counter, Probe probe) : Grain, ICounterGrain
{
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        probe.Events.Enqueue($"activate {this.GetPrimaryKeyString()} value={counter.State.Value} version={counter.Etag}");
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        probe.Events.Enqueue($"deactivate {this.GetPrimaryKeyString()} {reason}");
        return Task.CompletedTask;
    }

    public async Task<int> IncrementAsync()
    {
        counter.State.Value++;
        await counter.WriteStateAsync();
        return counter.State.Value;
    }

    public Task<int> GetAsync() => Task.FromResult(counter.State.Value);

    public async Task<int> IncrementAfterGateAsync()
    {
        probe.Events.Enqueue($"waiting for the gate on {this.GetPrimaryKeyString()}");
        await probe.Gate.Task;
        return await IncrementAsync();
    }

    public Task DeactivateAsync()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }
}

[GrainType("sequence")]
public interface ISequenceGrain : IGrainWithStringKey
{
    /// <summary>Records its arrival, then holds the turn until the probe's gate opens.</summary>
    Task RecordAsync(int number);
}

public sealed class SequenceGrain(Probe probe) : Grain, ISequenceGrain
{
    public async Task RecordAsync(int number)
    {
        probe.Enter();
        probe.Order.Enqueue(number);
        try
        {
            await probe.Gate.Task;
        }
        finally
        {
            probe.Leave();
        }
    }
}

[GrainType("reentrant-sequence")]
public interface IReentrantSequenceGrain : ISequenceGrain;

[Reentrant]
public sealed class ReentrantSequenceGrain(Probe probe) : Grain, IReentrantSequenceGrain
{
    public async Task RecordAsync(int number)
    {
        probe.Enter();
        probe.Order.Enqueue(number);
        try
        {
            await probe.Gate.Task;
        }
        finally
        {
            probe.Leave();
        }
    }
}

[GrainType("behaviour")]
public interface IBehaviourGrain : IGrainWithStringKey
{
    Task<string> PingAsync();

    Task FailAsync(string message);

    /// <summary>Holds the turn until the probe's gate opens; times out after 5 s.</summary>
    [ResponseTimeout("00:00:05")]
    Task WaitForGateAsync();

    /// <summary>Runs even while another request holds the turn.</summary>
    [AlwaysInterleave]
    Task<string> PeekAsync();

    /// <summary>Calls CallAsync on the grain named by <paramref name="path"/>[0], passing the rest of the path.</summary>
    Task<string> CallAsync(string[] path);
}

public sealed class BehaviourGrain(Probe probe) : Grain, IBehaviourGrain
{
    public Task<string> PingAsync() => Task.FromResult($"pong from {this.GetPrimaryKeyString()}");

    public Task FailAsync(string message) => throw new InvalidOperationException(message);

    public Task WaitForGateAsync()
    {
        probe.Events.Enqueue($"waiting for the gate on {this.GetPrimaryKeyString()}");
        return probe.Gate.Task;
    }

    public Task<string> PeekAsync() => Task.FromResult("peeked");

    public async Task<string> CallAsync(string[] path)
    {
        if (path.Length == 0)
        {
            return this.GetPrimaryKeyString();
        }

        var next = GrainFactory.GetGrain<IBehaviourGrain>(path[0]);
        return this.GetPrimaryKeyString() + " → " + await next.CallAsync(path[1..]);
    }
}

[GrainType("ticker")]
public interface ITickerGrain : IGrainWithStringKey
{
    Task StartTimerAsync(TimeSpan period);

    Task<int> GetTimerTicksAsync();

    Task StartReminderAsync(TimeSpan dueTime, TimeSpan period);

    Task<bool> StopReminderAsync();
}

public sealed class TickerGrain(Probe probe) : Grain, ITickerGrain, IRemindable
{
    private int _timerTicks;

    public Task StartTimerAsync(TimeSpan period)
    {
        RegisterTimer(
            _ =>
            {
                _timerTicks++;
                return Task.CompletedTask;
            },
            null,
            period,
            period);
        return Task.CompletedTask;
    }

    public Task<int> GetTimerTicksAsync() => Task.FromResult(_timerTicks);

    public Task StartReminderAsync(TimeSpan dueTime, TimeSpan period) => RegisterOrUpdateReminderAsync("wake", dueTime, period);

    public async Task<bool> StopReminderAsync()
    {
        if (await GetReminderAsync("wake") is not { } reminder)
        {
            return false;
        }

        await UnregisterReminderAsync(reminder);
        return true;
    }

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        probe.Events.Enqueue($"reminder {this.GetPrimaryKeyString()} {reminderName} at {status.CurrentTickTime:O}");
        return Task.CompletedTask;
    }
}

[GrainType("relay")]
public interface IRelayGrain : IGrainWithStringKey
{
    /// <summary>Calls CallAsync on the relay named by <paramref name="path"/>[0], passing the rest of the path.</summary>
    Task<string> CallAsync(string[] path);
}

[Reentrant]
public sealed class RelayGrain : Grain, IRelayGrain
{
    public async Task<string> CallAsync(string[] path)
    {
        if (path.Length == 0)
        {
            return this.GetPrimaryKeyString();
        }

        var next = GrainFactory.GetGrain<IRelayGrain>(path[0]);
        return this.GetPrimaryKeyString() + " → " + await next.CallAsync(path[1..]);
    }
}

[GrainType("durable-counter")]
public interface IDurableCounterGrain : IGrainWithStringKey
{
    /// <summary>Adds through the external unit of work, as the account grains write state with journal entries.</summary>
    Task<int> AddDurablyAsync(int amount);

    Task<int> IncrementAsync();
}

public sealed class DurableCounterGrain([PersistentState("counter")] IPersistentState<CounterState> counter, ExternalUnitOfWork unitOfWork, Probe probe)
    : Grain, IDurableCounterGrain
{
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        probe.Events.Enqueue($"activate {this.GetPrimaryKeyString()} value={counter.State.Value} version={counter.Etag}");
        return Task.CompletedTask;
    }

    public async Task<int> AddDurablyAsync(int amount)
    {
        counter.State.Value += amount;
        var participant = counter.AsCommitParticipant();
        var version = await CommitDurablyAsync(epoch => unitOfWork.CommitAsync(participant, epoch));
        participant.Committed(version);
        return counter.State.Value;
    }

    public async Task<int> IncrementAsync()
    {
        counter.State.Value++;
        await counter.WriteStateAsync();
        return counter.State.Value;
    }
}
