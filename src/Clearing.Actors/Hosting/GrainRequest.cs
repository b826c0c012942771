using System.Diagnostics;

namespace Clearing.Actors.Hosting;

/// <summary>
/// One message to an activation: a grain method call, a timer tick or a reminder tick. The caller awaits
/// <see cref="Completion"/>; the activation completes it with the result, the grain's exception, or the host with a
/// timeout. Continuations run asynchronously so a caller never continues on the callee's scheduler.
/// </summary>
internal sealed class GrainRequest
{
    private static long s_lastId;
    private ITimer? _timeout;

    public GrainRequest(GrainId target, string method, Func<Grain, Task<object?>> invoke, bool alwaysInterleave, CallChain? callerChain, RequestKind kind)
    {
        Target = target;
        Method = method;
        Invoke = invoke;
        AlwaysInterleave = alwaysInterleave;
        CallerChain = callerChain;
        Kind = kind;
        // Captured now, on the caller's flow: the turn runs on whatever flow pumps the queue, which may be another trace's.
        Parent = kind == RequestKind.Call ? Activity.Current?.Context ?? default : default;
    }

    /// <summary>Unique in the process; a <see cref="CallChain"/> names running requests by it.</summary>
    public long Id { get; } = Interlocked.Increment(ref s_lastId);

    public GrainId Target { get; }

    /// <summary>The grain method's name (or "timer", "reminder"), for messages.</summary>
    public string Method { get; }

    public Func<Grain, Task<object?>> Invoke { get; }

    public bool AlwaysInterleave { get; }

    /// <summary>The requests (grain, request) that this one was made from, outermost first; null from outside any grain.</summary>
    public CallChain? CallerChain { get; }

    /// <summary>Calls and reminder ticks count as activity for idle deactivation and move to a new activation if
    /// theirs goes away; timer ticks do neither (a timer belongs to one activation).</summary>
    public RequestKind Kind { get; }

    /// <summary>The span the call was made from (none for timer and reminder ticks, which start their own trace): the turn's span is its child.</summary>
    public ActivityContext Parent { get; }

    public TaskCompletionSource<object?> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool IsCompleted => Completion.Task.IsCompleted;

    /// <summary>Fails the request with a <see cref="TimeoutException"/> if it has not completed <paramref name="timeout"/> from now.</summary>
    public void StartTimeout(TimeProvider clock, TimeSpan timeout)
    {
        if (timeout == Timeout.InfiniteTimeSpan)
        {
            return;
        }

        using (ExecutionContext.SuppressFlow())
        {
            _timeout = clock.CreateTimer(
                static state =>
                {
                    var (request, after) = ((GrainRequest, TimeSpan))state!;
                    request.Completion.TrySetException(new TimeoutException(
                        $"Call {request.Method} on {request.Target} timed out after {after.TotalSeconds:0.###} s."));
                },
                (this, timeout),
                timeout,
                Timeout.InfiniteTimeSpan);
        }

        Completion.Task.ContinueWith(static (_, timer) => ((ITimer)timer!).Dispose(), _timeout, TaskScheduler.Default);
    }

    public void Fail(Exception exception) => Completion.TrySetException(exception);
}

internal enum RequestKind
{
    Call,
    TimerTick,
    ReminderTick,
}
