namespace Clearing.Actors.Testing;

/// <summary>
/// A <see cref="TimeProvider"/> that moves only when told to. <see cref="Advance"/> fires every timer that falls
/// due, in due order, each with the clock set to its own due instant, synchronously on the caller's thread — so
/// tests drive timers, reminders, idle deactivation, call timeouts and lease lapses with no real waiting.
/// It lives in the library (not a test project) because every layer's tests share this one fake clock.
/// </summary>
public sealed class FakeClock : TimeProvider
{
    private readonly Lock _gate = new();
    private readonly List<FakeTimer> _timers = [];
    private DateTimeOffset _now;
    private long _sequence;

    public FakeClock(DateTimeOffset start) => _now = start;

    /// <summary>A fixed, arbitrary start (2026-01-01T00:00Z) so runs are reproducible.</summary>
    public FakeClock()
        : this(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero))
    {
    }

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate)
        {
            return _now;
        }
    }

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => GetUtcNow().UtcTicks;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new FakeTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Moves the clock forward by <paramref name="by"/>, firing due timers on the way.</summary>
    public void Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        DateTimeOffset target;
        lock (_gate)
        {
            target = _now + by;
        }

        while (true)
        {
            FakeTimer? next;
            lock (_gate)
            {
                next = _timers.Where(t => t.DueAt <= target).OrderBy(t => t.DueAt).ThenBy(t => t.Sequence).FirstOrDefault();
                if (next is null)
                {
                    _now = target;
                    return;
                }

                if (next.DueAt > _now)
                {
                    _now = next.DueAt!.Value;
                }

                // Re-arm (periodic) or disarm (one-shot) before the callback, which may itself call Change.
                if (next.Period is { } period && period > TimeSpan.Zero)
                {
                    next.DueAt = _now + period;
                    next.Sequence = ++_sequence;
                }
                else
                {
                    _timers.Remove(next);
                    next.DueAt = null;
                }
            }

            // Outside the lock: the callback may create, change or dispose timers.
            next.Fire();
        }
    }

    private sealed class FakeTimer(FakeClock clock, TimerCallback callback, object? state) : ITimer
    {
        public DateTimeOffset? DueAt { get; set; }

        public TimeSpan? Period { get; set; }

        public long Sequence { get; set; }

        public void Fire() => callback(state);

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (clock._gate)
            {
                clock._timers.Remove(this);
                if (dueTime == Timeout.InfiniteTimeSpan)
                {
                    DueAt = null;
                    Period = null;
                    return true;
                }

                DueAt = clock._now + dueTime;
                Period = period == Timeout.InfiniteTimeSpan ? null : period;
                Sequence = ++clock._sequence;
                clock._timers.Add(this);
                return true;
            }
        }

        public void Dispose()
        {
            lock (clock._gate)
            {
                clock._timers.Remove(this);
                DueAt = null;
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
