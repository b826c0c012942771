using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using Clearing.Grains.Events;

namespace Clearing.Server.Api;

/// <summary>An <see cref="AccountEvent"/> with its place in this process's stream: <see cref="Sequence"/> counts from 1.</summary>
public sealed record SequencedEvent(long Sequence, AccountEvent Event);

/// <summary>What a reader got: the events after its position that match its filter, and whether some were lost before them.</summary>
/// <param name="Gap">Events after the reader's position fell out of the buffer (or it resumed from another process's stream): it must re-read state.</param>
/// <param name="From">The first sequence looked at: after a gap, events before it are lost to this reader.</param>
/// <param name="Position">Where to read from next (the newest sequence looked at, matched or not).</param>
public sealed record EventRead(IReadOnlyList<SequencedEvent> Events, bool Gap, long From, long Position);

/// <summary>
/// The member event stream's source: grains publish every committed account event here (<see cref="IAccountEventSink"/>,
/// after commit, never on replay), and each server-sent-event connection reads it from its own position.
/// <para>
/// A bounded ring of the last <see cref="Capacity"/> events in memory, numbered 1, 2, … for this process; an event id
/// on the wire is <c>&lt;stream&gt;-&lt;sequence&gt;</c>, where the stream id is random per process, so a client resuming
/// (Last-Event-ID) after a restart, or from further back than the ring holds, is told of the gap instead of silently
/// missing events. Publish never blocks on readers: a slow reader falls behind in the ring and gets a gap, it cannot
/// slow a grain.
/// </para>
/// </summary>
public sealed class AccountEventHub : IAccountEventSink
{
    /// <summary>Default ring size: 10,000 events (a few MB), minutes of history at demo rates.</summary>
    public const int DefaultCapacity = 10_000;

    private static readonly Counter<long> Published = ClearingTelemetry.Meter.CreateCounter<long>(
        "clearing.api.events.published", "{event}", "Account events published to the member event stream, by kind.");

    private readonly Lock gate = new();
    private readonly SequencedEvent?[] ring;
    private long newest;
    private TaskCompletionSource published = NewSignal();

    public AccountEventHub(int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ring = new SequencedEvent?[capacity];
        StreamId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
    }

    /// <summary>This process's stream: event ids from another stream id cannot be resumed here.</summary>
    public string StreamId { get; }

    public int Capacity => ring.Length;

    /// <summary>The newest sequence published so far (0: none).</summary>
    public long Newest
    {
        get
        {
            lock (gate)
            {
                return newest;
            }
        }
    }

    public void Publish(AccountEvent accountEvent)
    {
        ArgumentNullException.ThrowIfNull(accountEvent);
        TaskCompletionSource signal;
        lock (gate)
        {
            newest++;
            ring[newest % ring.Length] = new SequencedEvent(newest, accountEvent);
            signal = published;
            published = NewSignal();
        }

        Published.Add(1, new KeyValuePair<string, object?>("kind", accountEvent.Kind));
        signal.TrySetResult();
    }

    /// <summary>Completes at the next <see cref="Publish"/>. Take it before <see cref="Read"/> so an event published in between is not waited past.</summary>
    public Task NextPublish
    {
        get
        {
            lock (gate)
            {
                return published.Task;
            }
        }
    }

    /// <summary>The events after <paramref name="position"/> whose account matches, oldest first, at most <paramref name="max"/>.</summary>
    public EventRead Read(long position, Func<string, bool> accountFilter, int max = 500)
    {
        ArgumentNullException.ThrowIfNull(accountFilter);
        lock (gate)
        {
            if (position > newest)
            {
                // Not a position this stream has reached (a forged or foreign id): nothing can be vouched for before now.
                return new EventRead([], Gap: true, newest + 1, newest);
            }

            var oldest = Math.Max(1, newest - ring.Length + 1);
            var gap = position + 1 < oldest;
            var events = new List<SequencedEvent>();
            var from = gap ? oldest : position + 1;
            var sequence = from;
            for (; sequence <= newest && events.Count < max; sequence++)
            {
                var item = ring[sequence % ring.Length]!;
                if (accountFilter(item.Event.Account))
                {
                    events.Add(item);
                }
            }

            return new EventRead(events, gap, from, sequence - 1);
        }
    }

    /// <summary>The wire id of an event: <c>&lt;stream id&gt;-&lt;sequence&gt;</c>.</summary>
    public string EventId(long sequence) => $"{StreamId}-{sequence}";

    /// <summary>
    /// Where a Last-Event-ID resumes: after its sequence when it is this stream's; otherwise null (another process's,
    /// e.g. before a restart, or malformed: the reader gets a gap and everything this process still holds).
    /// </summary>
    public long? ResumePosition(string? lastEventId)
    {
        if (string.IsNullOrEmpty(lastEventId))
        {
            return null;
        }

        var dash = lastEventId.LastIndexOf('-');
        return dash > 0
            && lastEventId.AsSpan(0, dash).SequenceEqual(StreamId)
            && long.TryParse(lastEventId.AsSpan(dash + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var sequence)
            ? sequence
            : null;
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
