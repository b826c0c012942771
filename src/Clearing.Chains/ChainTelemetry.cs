using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Clearing.Telemetry;

namespace Clearing.Chains;

/// <summary>
/// What the chain clients and watchers tell operators, on Clearing's single Meter: JSON-RPC calls and errors by chain
/// and method (recorded by the RPC clients), and the heights a watcher last read — the node's head, its finalized
/// block or slot and the lag between them — and its pending deposits by asset. Heights are observed as gauges from the
/// latest report; a chain that has not reported yet has no series (absence, not zero).
/// </summary>
public static class ChainTelemetry
{
    private static readonly Counter<long> RpcCalls = ClearingTelemetry.Meter.CreateCounter<long>(
        "clearing.rpc.calls", "{call}", "JSON-RPC calls to chain nodes (retries of one call count once), by chain and method.");

    private static readonly Counter<long> RpcErrors = ClearingTelemetry.Meter.CreateCounter<long>(
        "clearing.rpc.errors", "{call}", "JSON-RPC calls that ended in failure, by chain, method and error.type (transport or jsonrpc).");

    private static readonly Histogram<double> RpcDuration = ClearingTelemetry.Meter.CreateHistogram(
        "clearing.rpc.duration", "s", "Duration of JSON-RPC calls including retries, by chain and method.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });

    private static readonly ConcurrentDictionary<string, Heights> LatestHeights = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, IReadOnlyDictionary<string, int>> LatestPending = new(StringComparer.Ordinal);

    static ChainTelemetry()
    {
        ClearingTelemetry.Meter.CreateObservableGauge(
            "clearing.chain.head", () => LatestHeights.Select(h => Measurement(h.Value.Head, h.Key)), "{block}",
            "The newest block (EVM) or slot (Solana) the chain's node reported to the watcher.");
        ClearingTelemetry.Meter.CreateObservableGauge(
            "clearing.chain.finalized", () => LatestHeights.Select(h => Measurement(h.Value.Finalized, h.Key)), "{block}",
            "The chain's finalized block or slot as the watcher last read it; deposits are credited only up to here.");
        ClearingTelemetry.Meter.CreateObservableGauge(
            "clearing.chain.finalized_lag", () => LatestHeights.Select(h => Measurement(Math.Max(0, h.Value.Head - h.Value.Finalized), h.Key)), "{block}",
            "Blocks or slots between the chain's head and its finalized block: how long a deposit waits for finality.");
        ClearingTelemetry.Meter.CreateObservableGauge(
            "clearing.deposits.pending",
            () => LatestPending.SelectMany(chain => chain.Value.Select(asset => new Measurement<int>(
                asset.Value, new KeyValuePair<string, object?>("chain", chain.Key), new KeyValuePair<string, object?>("asset", asset.Key)))),
            "{deposit}",
            "Deposits seen on chain but not yet final (visible, worth zero), by chain and asset.");
    }

    /// <summary>Starts timing one JSON-RPC call; dispose the returned scope with the call's outcome through <see cref="RpcCallScope.End"/>.</summary>
    public static RpcCallScope StartRpcCall(string chain, string method) => new(chain, method, Stopwatch.GetTimestamp());

    /// <summary>A watcher read the node's head and finalized heights.</summary>
    public static void ReportHeights(string chain, ulong head, ulong finalized) =>
        LatestHeights[chain] = new Heights(checked((long)head), checked((long)finalized));

    /// <summary>A watcher replaced the chain's pending deposits: the gauge shows their count per asset (assets that had some before show 0).</summary>
    public static void ReportPending(string chain, IReadOnlyList<ObservedDeposit> pending)
    {
        ArgumentNullException.ThrowIfNull(pending);
        LatestPending.AddOrUpdate(
            chain,
            _ => pending.GroupBy(d => d.Asset, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal),
            (_, before) =>
            {
                var counts = before.Keys.ToDictionary(asset => asset, _ => 0, StringComparer.Ordinal);
                foreach (var deposit in pending)
                {
                    counts[deposit.Asset] = counts.GetValueOrDefault(deposit.Asset) + 1;
                }

                return counts;
            });
    }

    /// <summary>
    /// A span for one watcher round of <paramref name="chain"/>: the sink's grain calls made inside it are its children,
    /// so a deposit's trace runs from the round that saw its log or signature to the credit. Null when nobody records.
    /// </summary>
    public static Activity? StartWatchRound(string chain)
    {
        var span = ClearingTelemetry.ActivitySource.StartActivity("watch " + chain, ActivityKind.Internal);
        span?.SetTag("chain", chain);
        return span;
    }

    /// <summary>One span event per deposit seen (<c>deposit.final</c> or <c>deposit.pending</c>) with its idempotency key, asset and height.</summary>
    public static void DepositsSeen(Activity? round, IReadOnlyList<ObservedDeposit> deposits, bool final)
    {
        if (round is not { IsAllDataRequested: true })
        {
            return;
        }

        foreach (var deposit in deposits)
        {
            round.AddEvent(new ActivityEvent(final ? "deposit.final" : "deposit.pending", tags: new ActivityTagsCollection
            {
                { "clearing.deposit.key", deposit.Key.ToString() },
                { "asset", deposit.Asset },
                { "clearing.deposit.height", checked((long)deposit.Height) },
            }));
        }

        round.SetTag(final ? "clearing.deposits.final" : "clearing.deposits.pending", deposits.Count);
    }

    /// <summary>
    /// A span for one executor step on <paramref name="action"/> (bind and sign, broadcast, follow to finality), child of
    /// the span that planned it (<see cref="ChainAction.TraceParent"/>), so the chain transaction shows in the trace of the
    /// request or scan that decided it. The RPC calls of the step (HttpClient spans) are its children.
    /// </summary>
    public static Activity? StartExecution(ChainAction action)
    {
        ArgumentNullException.ThrowIfNull(action);
        var span = ClearingTelemetry.ActivitySource.StartActivity(
            $"execute {action.Kind} {action.Chain}", ActivityKind.Client, ClearingTelemetry.ParentFrom(action.TraceParent));
        if (span is { IsAllDataRequested: true })
        {
            span.SetTag("chain", action.Chain);
            span.SetTag("clearing.action.id", action.ActionId);
            span.SetTag("clearing.action.kind", action.Kind);
            span.SetTag("clearing.action.decision", action.DecisionId);
            span.SetTag("clearing.action.state", action.State.ToString().ToLowerInvariant());
            if (action.Binding is { } binding)
            {
                span.SetTag("clearing.action.tx", binding.TxId);
            }
        }

        return span;
    }

    /// <summary>The heights a watcher last reported for <paramref name="chain"/>, or null.</summary>
    public static (long Head, long Finalized)? HeightsOf(string chain) =>
        LatestHeights.TryGetValue(chain, out var heights) ? (heights.Head, heights.Finalized) : null;

    private static Measurement<long> Measurement(long value, string chain) => new(value, new KeyValuePair<string, object?>("chain", chain));

    private sealed record Heights(long Head, long Finalized);

    /// <summary>One JSON-RPC call being timed.</summary>
    public readonly struct RpcCallScope(string chain, string method, long startedAt)
    {
        /// <summary>Records the call: one call, its duration, and one error when <paramref name="failure"/> is not null.</summary>
        public void End(RpcFailure? failure)
        {
            var tags = new TagList { { "chain", chain }, { "rpc.method", method } };
            RpcCalls.Add(1, tags);
            RpcDuration.Record(Stopwatch.GetElapsedTime(startedAt).TotalSeconds, tags);
            if (failure is not null)
            {
                tags.Add("error.type", failure.Kind == RpcFailureKind.Transport ? "transport" : "jsonrpc");
                RpcErrors.Add(1, tags);
            }
        }
    }
}
