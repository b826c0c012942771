using System.Diagnostics;
using Clearing.Telemetry;

namespace Clearing.Server.Demo;

/// <summary>A finished span as the demo keeps it: ids, name, source, duration and the few attributes the trace check reads.</summary>
public sealed record RecordedSpan(
    string TraceId,
    string SpanId,
    string? ParentSpanId,
    string Name,
    string Source,
    DateTime StartUtc,
    TimeSpan Duration,
    IReadOnlyDictionary<string, string> Tags);

/// <summary>
/// Keeps the finished spans of Clearing's ActivitySource, HttpClient's and ASP.NET Core's in memory while the demo runs
/// (the service runs in the same process), so the scenario can show and check the trace of the liquidation. A ring of
/// <see cref="Capacity"/> spans: the oldest are dropped first, memory stays bounded however long the demo serves.
/// Disposing it stops listening; nothing is recorded when the demo does not run.
/// </summary>
public sealed class DemoTraceRecorder : IDisposable
{
    /// <summary>Spans kept (about 200 bytes each): the demo's scenario makes a few thousand.</summary>
    public const int Capacity = 50_000;

    private static readonly string[] Sources = [ClearingTelemetry.Name, "System.Net.Http", "Microsoft.AspNetCore"];

    /// <summary>Attributes worth keeping: which action, chain transaction, grain and HTTP call a span is.</summary>
    private static readonly string[] KeptTags =
    [
        "clearing.action.kind", "clearing.action.tx", "clearing.action.id", "chain", "clearing.grain.key",
        "clearing.grain.request", "url.full", "http.route", "http.request.method",
    ];

    private readonly ActivityListener listener;
    private readonly RecordedSpan?[] ring = new RecordedSpan?[Capacity];
    private readonly Lock gate = new();
    private long written;

    public DemoTraceRecorder()
    {
        listener = new ActivityListener
        {
            ShouldListenTo = source => Sources.Contains(source.Name, StringComparer.Ordinal),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = Record,
        };
        ActivitySource.AddActivityListener(listener);
    }

    /// <summary>The spans of <paramref name="traceId"/> still held, in the order they finished.</summary>
    public IReadOnlyList<RecordedSpan> Trace(string traceId) => Where(s => s.TraceId == traceId);

    /// <summary>The held spans that satisfy <paramref name="predicate"/>, in the order they finished.</summary>
    public IReadOnlyList<RecordedSpan> Where(Func<RecordedSpan, bool> predicate)
    {
        lock (gate)
        {
            var count = (int)Math.Min(written, Capacity);
            var found = new List<RecordedSpan>();
            for (var i = written - count; i < written; i++)
            {
                if (ring[i % Capacity] is { } span && predicate(span))
                {
                    found.Add(span);
                }
            }

            return found;
        }
    }

    private void Record(Activity activity)
    {
        if (activity.IdFormat != ActivityIdFormat.W3C)
        {
            return;
        }

        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in activity.TagObjects)
        {
            if (value is not null && KeptTags.Contains(key, StringComparer.Ordinal))
            {
                tags[key] = value.ToString() ?? "";
            }
        }

        var parent = activity.ParentSpanId == default ? null : activity.ParentSpanId.ToHexString();
        var span = new RecordedSpan(activity.TraceId.ToHexString(), activity.SpanId.ToHexString(), parent, activity.DisplayName, activity.Source.Name, activity.StartTimeUtc, activity.Duration, tags);
        lock (gate)
        {
            ring[written % Capacity] = span;
            written++;
        }
    }

    public void Dispose() => listener.Dispose();
}
