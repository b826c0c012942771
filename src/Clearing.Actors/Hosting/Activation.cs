using System.Diagnostics;
using Clearing.Actors.Storage;

namespace Clearing.Actors.Hosting;

/// <summary>
/// One in-memory incarnation of a grain: its instance, its persistent states, its request queue and its
/// scheduler (Orleans' <c>ActivationData</c> + <c>WorkItemGroup</c>).
/// </summary>
/// <remarks>
/// <para>All grain code of the activation — constructor, state reads, <c>OnActivateAsync</c>, requests, timer ticks,
/// <c>OnDeactivateAsync</c> — runs on <see cref="Scheduler"/>, an exclusive scheduler that runs one task at a time;
/// awaits inside grain code return to it. So even interleaved (reentrant) requests never run in parallel.</para>
/// <para>Requests wait in a FIFO queue; <see cref="Pump"/> starts those that <see cref="MayInvokeRequest"/> allows, in
/// order. Life cycle: Activating → Valid → Deactivating → Deactivated. Requests that arrive while it deactivates
/// (or after a deactivation was requested) are kept and, once it is gone, dispatched again through the host, which
/// creates a fresh activation for them.</para>
/// </remarks>
internal sealed class Activation
{
    [ThreadStatic]
    private static Activation? t_constructing;

    private readonly Lock _gate = new();
    private readonly LinkedList<GrainRequest> _waiting = new();
    private readonly List<GrainRequest> _running = [];
    private readonly List<GrainRequest> _forward = [];
    private readonly List<GrainTimer> _timers = [];
    private readonly List<IActivationState> _states = [];
    private readonly TaskCompletionSource _deactivated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly GrainClass _grainClass;
    private ActivationStatus _status = ActivationStatus.Activating;
    private DeactivationReason? _deactivationRequested;
    private int _waitingInterleavable;
    private Grain? _grain;

    public Activation(ActorHost host, GrainId grainId, GrainClass grainClass, long epoch)
    {
        Host = host;
        GrainId = grainId;
        _grainClass = grainClass;
        Epoch = epoch;
        LastActivity = host.Clock.GetUtcNow();
    }

    /// <summary>The activation whose grain constructor is running on this thread (read by <see cref="Grain"/>'s constructor).</summary>
    public static Activation? Constructing => t_constructing;

    public ActorHost Host { get; }

    public GrainId GrainId { get; }

    /// <summary>The lease epoch the host held when this activation was created: every write it makes carries it.</summary>
    public long Epoch { get; }

    public TaskScheduler Scheduler { get; } = new ConcurrentExclusiveSchedulerPair().ExclusiveScheduler;

    public DateTimeOffset LastActivity { get; private set; }

    /// <summary>Completes when the activation is gone (after its deactivation or a failed activation).</summary>
    public Task Deactivated => _deactivated.Task;

    public void AddState(IActivationState state) => _states.Add(state);

    /// <summary>Starts the activation turn: construct the grain, read its states, run <c>OnActivateAsync</c>.</summary>
    public void Start() => RunOnScheduler(ActivateAsync);

    /// <summary>
    /// Queues a request. False only if the activation is already gone (the caller then dispatches again and gets a
    /// new activation). A request that would wait for itself around a call cycle fails here with <see cref="DeadlockException"/>.
    /// </summary>
    public bool TryEnqueue(GrainRequest request)
    {
        lock (_gate)
        {
            switch (_status)
            {
                case ActivationStatus.Deactivated:
                    return false;
                case ActivationStatus.Deactivating:
                    KeepForNextActivation(request);
                    return true;
            }

            if (_deactivationRequested is not null)
            {
                KeepForNextActivation(request);
                return true;
            }

            if (FindCycle(request) is { } cycle)
            {
                request.Fail(new DeadlockException(
                    $"Call cycle between non-reentrant grains: {string.Join(" → ", cycle)}. The last call waits for the first, " +
                    "which waits for it: it could only time out.",
                    cycle));
                return true;
            }

            _waiting.AddLast(request);
            if (request.AlwaysInterleave)
            {
                _waitingInterleavable++;
            }
        }

        Pump();
        return true;
    }

    /// <summary>Queues a tick of one of this activation's timers (behind the activation turn if that is still running);
    /// false if the activation is deactivating or gone.</summary>
    public bool TryEnqueueTimerTick(GrainRequest tick)
    {
        lock (_gate)
        {
            if (_status is ActivationStatus.Deactivating or ActivationStatus.Deactivated || _deactivationRequested is not null)
            {
                return false;
            }

            _waiting.AddLast(tick);
        }

        Pump();
        return true;
    }

    /// <summary>
    /// Deactivates once the running requests finish. <see cref="DeactivationReason.InconsistentState"/> and
    /// <see cref="DeactivationReason.LeaseLost"/> drop it (no <c>OnDeactivateAsync</c>) and win over a graceful reason.
    /// </summary>
    public void RequestDeactivation(DeactivationReason reason)
    {
        lock (_gate)
        {
            if (_status is ActivationStatus.Deactivating or ActivationStatus.Deactivated)
            {
                return;
            }

            if (_deactivationRequested is null || IsDrop(reason))
            {
                _deactivationRequested = reason;
            }
        }

        Pump();
    }

    /// <summary>Requests an idle deactivation if nothing ran or waited for <paramref name="idleTimeout"/>.</summary>
    public void CollectIfIdle(DateTimeOffset now, TimeSpan idleTimeout)
    {
        lock (_gate)
        {
            if (_status != ActivationStatus.Valid || _deactivationRequested is not null
                || _running.Count > 0 || _waiting.Count > 0 || now - LastActivity < idleTimeout)
            {
                return;
            }

            _deactivationRequested = DeactivationReason.ActivationIdle;
        }

        Pump();
    }

    /// <summary>
    /// Runs a storage write of this activation. A refusal dooms it: <see cref="InconsistentStateException"/> (someone
    /// else wrote since we read) drops it so the next call reloads from storage; <see cref="FencedWriteException"/>
    /// drops it and may depose the host. The exception goes on to the grain code.
    /// </summary>
    public async Task<T> GuardWriteAsync<T>(Func<Task<T>> write)
    {
        try
        {
            return await write();
        }
        catch (InconsistentStateException)
        {
            RequestDeactivation(DeactivationReason.InconsistentState);
            throw;
        }
        catch (FencedWriteException fenced)
        {
            Host.OnFenced(this, fenced);
            throw;
        }
    }

    public IDisposable RegisterTimer(Func<object?, Task> callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new GrainTimer(this, callback, state, dueTime, period);
        lock (_gate)
        {
            _timers.Add(timer);
        }

        return timer;
    }

    public void RemoveTimer(GrainTimer timer)
    {
        lock (_gate)
        {
            _timers.Remove(timer);
        }
    }

    /// <summary>
    /// The one rule for whether a request may start now (Orleans' <c>ActivationData.MayInvokeRequest</c>): when
    /// nothing runs; or, while something runs, only if the grain class is <see cref="ReentrantAttribute">[Reentrant]</see>
    /// or the method is <see cref="AlwaysInterleaveAttribute">[AlwaysInterleave]</see>. Caller holds <see cref="_gate"/>.
    /// </summary>
    private bool MayInvokeRequest(GrainRequest incoming) =>
        _running.Count == 0 || _grainClass.IsReentrant || incoming.AlwaysInterleave;

    /// <summary>
    /// The cycle, if <paramref name="request"/> may not start and was made (transitively) from a request of this
    /// activation that is running — and so is waiting for it. Caller holds <see cref="_gate"/>.
    /// </summary>
    private List<string>? FindCycle(GrainRequest request)
    {
        if (request.CallerChain is not { } chain || MayInvokeRequest(request))
        {
            return null;
        }

        var links = chain.Links().ToList();
        var start = links.FindIndex(link => link.Grain == GrainId && _running.Exists(running => running.Id == link.RequestId));
        if (start < 0)
        {
            return null;
        }

        var cycle = links.Skip(start).Select(link => $"{link.Grain}.{link.Method}").ToList();
        cycle.Add($"{GrainId}.{request.Method}");
        return cycle;
    }

    /// <summary>Starts what may start, in queue order, and begins a requested deactivation once nothing runs.</summary>
    private void Pump()
    {
        List<GrainRequest>? toStart = null;
        DeactivationReason? deactivate = null;
        lock (_gate)
        {
            if (_status != ActivationStatus.Valid)
            {
                return;
            }

            if (_deactivationRequested is null)
            {
                var node = _waiting.First;
                while (node is not null)
                {
                    var next = node.Next;
                    var request = node.Value;
                    if (request.IsCompleted)
                    {
                        RemoveWaiting(node); // timed out while queued: the caller is gone
                    }
                    else if (MayInvokeRequest(request))
                    {
                        RemoveWaiting(node);
                        _running.Add(request);
                        (toStart ??= []).Add(request);
                    }
                    else if (_waitingInterleavable == 0)
                    {
                        break; // FIFO: nothing behind a blocked request may overtake it, except [AlwaysInterleave] calls
                    }

                    node = next;
                }
            }
            else if (_running.Count == 0)
            {
                _status = ActivationStatus.Deactivating;
                deactivate = _deactivationRequested;
                foreach (var request in _waiting)
                {
                    KeepForNextActivation(request);
                }

                _waiting.Clear();
                _waitingInterleavable = 0;
            }
        }

        if (toStart is not null)
        {
            foreach (var request in toStart)
            {
                RunOnScheduler(() => RunRequestAsync(request));
            }
        }

        if (deactivate is { } reason)
        {
            RunOnScheduler(() => DeactivateAsync(reason));
        }
    }

    private async Task ActivateAsync()
    {
        try
        {
            t_constructing = this;
            try
            {
                _grain = _grainClass.Create(this);
            }
            finally
            {
                t_constructing = null;
            }

            foreach (var state in _states)
            {
                await state.ReadStateAsync();
            }

            await _grain.OnActivateAsync(CancellationToken.None);
        }
        catch (Exception activationFailure)
        {
            FailActivation(activationFailure);
            return;
        }

        lock (_gate)
        {
            _status = ActivationStatus.Valid;
        }

        Pump();
    }

    private async Task RunRequestAsync(GrainRequest request)
    {
        CallChain.Current = new CallChain(GrainId, request.Id, request.Method, request.CallerChain);
        using var span = GrainTurnTracing.Start(GrainId, request);
        try
        {
            var result = await request.Invoke(_grain!);
            request.Completion.TrySetResult(result);
        }
        catch (Exception grainFailure)
        {
            // The exception goes to the caller; the activation stays usable for the next request.
            GrainTurnTracing.Failed(span, grainFailure);
            request.Completion.TrySetException(grainFailure);
        }
        finally
        {
            CallChain.Current = null;
            lock (_gate)
            {
                _running.Remove(request);
                if (request.Kind != RequestKind.TimerTick)
                {
                    LastActivity = Host.Clock.GetUtcNow();
                }
            }

            Pump();
        }
    }

    private async Task DeactivateAsync(DeactivationReason reason)
    {
        GrainTimer[] timers;
        lock (_gate)
        {
            timers = [.. _timers];
        }

        foreach (var timer in timers)
        {
            timer.Dispose();
        }

        if (!IsDrop(reason))
        {
            try
            {
                await _grain!.OnDeactivateAsync(reason, CancellationToken.None);
            }
            catch (Exception deactivationFailure)
            {
                Host.ReportBackgroundError(GrainId, deactivationFailure);
            }
        }

        Finish();
    }

    private void FailActivation(Exception failure)
    {
        List<GrainRequest> waiting;
        lock (_gate)
        {
            _status = ActivationStatus.Deactivating;
            waiting = [.. _waiting];
            _waiting.Clear();
            _waitingInterleavable = 0;
        }

        // The requests that were waiting for this activation get its failure; later ones try a new activation.
        foreach (var request in waiting)
        {
            request.Fail(failure);
        }

        Finish();
    }

    private void Finish()
    {
        Host.RemoveActivation(this);
        List<GrainRequest> forward;
        lock (_gate)
        {
            _status = ActivationStatus.Deactivated;
            forward = [.. _forward];
            _forward.Clear();
        }

        _deactivated.TrySetResult();
        foreach (var request in forward)
        {
            Host.Dispatch(request);
        }
    }

    private void KeepForNextActivation(GrainRequest request)
    {
        Debug.Assert(_gate.IsHeldByCurrentThread, "caller holds the gate");
        if (request.Kind == RequestKind.TimerTick)
        {
            request.Completion.TrySetCanceled(); // timers die with their activation
        }
        else if (!request.IsCompleted)
        {
            _forward.Add(request);
        }
    }

    private void RemoveWaiting(LinkedListNode<GrainRequest> node)
    {
        _waiting.Remove(node);
        if (node.Value.AlwaysInterleave)
        {
            _waitingInterleavable--;
        }
    }

    private void RunOnScheduler(Func<Task> work) =>
        _ = Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.DenyChildAttach, Scheduler).Unwrap();

    private static bool IsDrop(DeactivationReason reason) =>
        reason is DeactivationReason.InconsistentState or DeactivationReason.LeaseLost;

    private enum ActivationStatus
    {
        Activating,
        Valid,
        Deactivating,
        Deactivated,
    }
}
