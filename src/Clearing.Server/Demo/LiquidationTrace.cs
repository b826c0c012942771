using System.Globalization;
using Clearing.Telemetry;

namespace Clearing.Server.Demo;

/// <summary>
/// Finds the trace of a seizure among the recorded spans and checks that it is one connected trace from the decision to
/// the chain transaction: the executor's span for the seizure (<c>execute seizure &lt;chain&gt;</c>, tagged with the
/// transaction hash) whose ancestors reach a root that is the netting scanner's turn or a member API request, with the
/// liquidation router's and the margin account's turns in the same trace.
/// </summary>
public sealed class LiquidationTrace
{
    private const string AspNetCoreSource = "Microsoft.AspNetCore";
    private const string HttpClientSource = "System.Net.Http";

    private readonly IReadOnlyList<RecordedSpan> spans;
    private readonly Dictionary<string, RecordedSpan> byId;

    private LiquidationTrace(RecordedSpan root, RecordedSpan executor, IReadOnlyList<RecordedSpan> spans)
    {
        Root = root;
        Executor = executor;
        this.spans = spans;
        byId = spans.GroupBy(s => s.SpanId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
    }

    public RecordedSpan Root { get; }

    /// <summary>The executor step that carries the transaction hash.</summary>
    public RecordedSpan Executor { get; }

    public string TraceId => Root.TraceId;

    /// <summary>
    /// The trace of the seizure sent in <paramref name="transaction"/>, checked; a <see cref="DemoStepFailedException"/>
    /// naming what is missing or where the trace breaks otherwise.
    /// </summary>
    public static LiquidationTrace Find(DemoTraceRecorder recorder, string transaction)
    {
        // The executors name the action's kind as their chain does (EVM "seizure"); the transaction hash identifies it.
        var executors = recorder.Where(s => s.Source == ClearingTelemetry.Name
            && s.Name.StartsWith("execute ", StringComparison.Ordinal)
            && string.Equals(s.Tags.GetValueOrDefault("clearing.action.tx"), transaction, StringComparison.OrdinalIgnoreCase));
        if (executors.Count == 0)
        {
            var seen = recorder.Where(s => s.Name.StartsWith("execute ", StringComparison.Ordinal))
                .Select(s => $"{s.Name} tx={s.Tags.GetValueOrDefault("clearing.action.tx") ?? "none"}").Distinct().Take(5);
            throw new DemoStepFailedException($"no executor span 'execute <kind> <chain>' tagged clearing.action.tx={transaction} was recorded (executor spans seen: {string.Join(", ", seen)})");
        }

        var executor = executors[0];
        var trace = recorder.Trace(executor.TraceId);
        var byId = trace.GroupBy(s => s.SpanId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);

        // Up from the chain transaction: every parent must have been recorded, up to a span without one.
        var ancestors = new List<RecordedSpan>();
        var current = executor;
        while (current.ParentSpanId is { } parentId)
        {
            if (!byId.TryGetValue(parentId, out var parent))
            {
                throw new DemoStepFailedException($"the trace {executor.TraceId} of seizure {transaction} breaks above '{current.Name}': its parent span {parentId} was not recorded (path so far: {Path(ancestors.Prepend(executor))})");
            }

            ancestors.Add(parent);
            current = parent;
        }

        var root = current;
        List<string> missing = [];
        if (!(root.Source == AspNetCoreSource || (root.Source == ClearingTelemetry.Name && root.Name.StartsWith("netting/", StringComparison.Ordinal))))
        {
            missing.Add($"a root that is the netting scanner's turn or a member API request (the root is '{root.Name}' from {root.Source})");
        }

        foreach (var grain in new[] { "liquidation-router/", "margin-account/" })
        {
            if (!trace.Any(s => s.Source == ClearingTelemetry.Name && s.Name.StartsWith(grain, StringComparison.Ordinal)))
            {
                missing.Add($"a {grain.TrimEnd('/')} grain turn");
            }
        }

        if (!ancestors.Any(s => s.Name.StartsWith("liquidation-router/", StringComparison.Ordinal)))
        {
            missing.Add($"the liquidation router's turn among the executor span's ancestors (they are: {Path(ancestors)})");
        }

        if (missing.Count > 0)
        {
            throw new DemoStepFailedException($"the trace {executor.TraceId} of seizure {transaction} lacks {string.Join("; ", missing)}");
        }

        return new LiquidationTrace(root, executor, trace);
    }

    /// <summary>HttpClient calls made by executor steps of this trace (the JSON-RPC calls that sign, send and follow the transaction).</summary>
    public int ExecutorHttpCalls => spans.Count(s => s.Source == HttpClientSource && s.ParentSpanId is { } p && byId.TryGetValue(p, out var parent) && parent.Name.StartsWith("execute ", StringComparison.Ordinal));

    /// <summary>The trace for the summary: every span with its parent, in start order.</summary>
    public SummaryTrace ToSummary() => new(
        TraceId,
        [.. spans.OrderBy(s => s.StartUtc).Select(s => new SummarySpan(s.SpanId, Label(s), s.ParentSpanId, Math.Round(s.Duration.TotalMilliseconds, 1), s.Tags.GetValueOrDefault("clearing.action.tx")))]);

    /// <summary>
    /// The trace as an indented tree with durations, in start order, kept to a few lines: leaf siblings of the same name
    /// (a step's JSON-RPC calls) fold into one line with their count and total time, and repeated sibling subtrees (the
    /// executor's later steps following the transaction to finality) show the first in full and the rest as one line.
    /// </summary>
    public IReadOnlyList<string> Tree()
    {
        var children = spans.Where(s => s.ParentSpanId is not null).ToLookup(s => s.ParentSpanId!, StringComparer.Ordinal);
        var lines = new List<string>();
        Write(Root, 0);
        return lines;

        void Write(RecordedSpan span, int depth)
        {
            lines.Add($"{Indent(depth)}{Label(span)}  {Ms(span.Duration)}{Tx(span)}");
            foreach (var group in children[span.SpanId].OrderBy(s => s.StartUtc).GroupBy(Label))
            {
                var same = group.ToList();
                if (same.Count == 1)
                {
                    Write(same[0], depth + 1);
                    continue;
                }

                var total = Ms(TimeSpan.FromTicks(same.Sum(s => s.Duration.Ticks)));
                if (same.All(s => !children.Contains(s.SpanId)))
                {
                    lines.Add($"{Indent(depth + 1)}{group.Key} x{same.Count}  {total} in all");
                    continue;
                }

                Write(same[0], depth + 1);
                var rest = same.Skip(1).ToList();
                var restTotal = Ms(TimeSpan.FromTicks(rest.Sum(s => s.Duration.Ticks)));
                var below = rest.Sum(s => children[s.SpanId].Count());
                var transactions = rest.Select(s => s.Tags.GetValueOrDefault("clearing.action.tx")).Distinct().ToList();
                var tx = transactions is [{ } only] ? $"  tx {only}" : "";
                lines.Add($"{Indent(depth + 1)}{group.Key} x{rest.Count} more  {restTotal} in all{tx}  ({below} child spans)");
            }
        }
    }

    private static string Indent(int depth) => new(' ', 2 * depth);

    private static string Tx(RecordedSpan span) => span.Tags.TryGetValue("clearing.action.tx", out var tx) ? $"  tx {tx}" : "";

    /// <summary>A span's name as shown: HttpClient and ASP.NET Core spans get what they called or served.</summary>
    private static string Label(RecordedSpan span) => span.Source switch
    {
        HttpClientSource when span.Tags.TryGetValue("url.full", out var url) => $"HTTP {span.Name} {url}",
        AspNetCoreSource => $"API {span.Name}",
        _ => span.Name,
    };

    private static string Ms(TimeSpan duration) => duration.TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture) + " ms";

    private static string Path(IEnumerable<RecordedSpan> spans) => string.Join(" <- ", spans.Select(s => s.Name));
}
