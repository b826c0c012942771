namespace Clearing.Actors.Hosting;

/// <summary>
/// A grain timer: the clock fires it first at the due time, then every period; each firing queues a tick that
/// runs as a turn of the activation. A firing while the previous tick is still queued or running is skipped, so
/// ticks never pile up. Disposed by the grain or when the activation deactivates.
/// </summary>
internal sealed class GrainTimer : IDisposable
{
    private readonly Activation _activation;
    private readonly Func<object?, Task> _callback;
    private readonly object? _state;
    private readonly ITimer _timer;
    private GrainRequest? _pendingTick;
    private volatile bool _disposed;

    public GrainTimer(Activation activation, Func<object?, Task> callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        _activation = activation;
        _callback = callback;
        _state = state;

        // Timer callbacks must not inherit the registering turn's call chain.
        using (ExecutionContext.SuppressFlow())
        {
            _timer = activation.Host.Clock.CreateTimer(static self => ((GrainTimer)self!).Fire(), this, dueTime, period);
        }
    }

    public void Dispose()
    {
        _disposed = true;
        _timer.Dispose();
        _activation.RemoveTimer(this);
    }

    private void Fire()
    {
        if (_disposed || _pendingTick is { IsCompleted: false })
        {
            return;
        }

        var tick = new GrainRequest(_activation.GrainId, "timer", RunAsync, alwaysInterleave: false, callerChain: null, RequestKind.TimerTick);
        if (!_activation.TryEnqueueTimerTick(tick))
        {
            return;
        }

        _pendingTick = tick;

        tick.Completion.Task.ContinueWith(
            static (done, self) =>
            {
                var timer = (GrainTimer)self!;
                timer._activation.Host.ReportBackgroundError(timer._activation.GrainId, done.Exception!.InnerException!);
            },
            this,
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted,
            TaskScheduler.Default);
    }

    private async Task<object?> RunAsync(Grain grain)
    {
        await _callback(_state);
        return null;
    }
}
