using System.Diagnostics.Metrics;
using Clearing.Chains;

namespace Clearing.Server.Telemetry;

/// <summary>
/// Observable instruments on Clearing's Meter over the collector's latest <see cref="OperationsSnapshot"/>. Created once
/// per process (instruments cannot be removed from a Meter); the collector of the running server publishes into them.
/// Base-unit totals are exported as doubles: display only, exact below 2^53 units, never read back by any decision.
/// </summary>
public static class OperationsMetrics
{
    private static readonly Lock Gate = new();
    private static OperationsSnapshot latest = new(null, null, null, null, null, null);
    private static TimeProvider clock = TimeProvider.System;

    static OperationsMetrics()
    {
        var meter = ClearingTelemetry.Meter;
        meter.CreateObservableCounter("clearing.deposits.credited", () => Current.Deposits?.Select(d => new Measurement<long>(
                d.Count, Tag("chain", d.Chain), Tag("asset", d.Asset), Tag("destination", d.Destination))) ?? [],
            "{deposit}", "Deposits credited at finality (destination account or suspense), by chain and asset, from the ledger journal.");
        meter.CreateObservableGauge("clearing.outbox.actions", () => Current.Outbox?.Select(g => new Measurement<long>(
                g.Count, Tag("chain", g.Chain), Tag("kind", g.Kind), Tag("state", g.State))) ?? [],
            "{action}", "Chain actions in the outbox by chain, kind (withdraw, seize) and state (planned, signed, broadcast, confirmed, failed).");
        meter.CreateObservableGauge("clearing.outbox.oldest_age", OldestOpenAge,
            "s", "Age of the oldest outbox action still open (planned, signed or broadcast), by chain, kind and state.");
        meter.CreateObservableGauge("clearing.liquidations.seizures", () => Current.Seizures?.Select(s => new Measurement<long>(
                s.Count, Tag("chain", s.Chain), Tag("asset", s.Asset), Tag("outcome", s.Outcome))) ?? [],
            "{seizure}", "Liquidation seizures (one per chain leg) by chain, asset and outcome (paid, failed, executing).");
        meter.CreateObservableCounter("clearing.liquidations.seized", () => Current.Seizures?.Where(s => s.Outcome == "paid").Select(s => new Measurement<double>(
                (double)s.Units, Tag("chain", s.Chain), Tag("asset", s.Asset))) ?? [],
            "{base_unit}", "Collateral seized and paid out on chain by liquidations, in the asset's base units, by chain and asset.");
        meter.CreateObservableGauge("clearing.chain.cursor", () => Current.Cursors?.Select(c => new Measurement<long>(c.Value, Tag("chain", c.Key))) ?? [],
            "{block}", "The block or slot through which the chain's deposits are committed (the watcher's durable cursor).");
        meter.CreateObservableGauge("clearing.chain.cursor_lag", CursorLag,
            "{block}", "Blocks or slots between the chain's finalized height (as the watcher last read it) and the durable cursor.");
        meter.CreateObservableGauge("clearing.accounts", () => Current.RiskBook?.HealthBuckets.Select(b => new Measurement<int>(b.Value, Tag("health_bucket", b.Key))) ?? [],
            "{account}", "Margin accounts in the risk book by maintenance health ratio bucket (percent: lt_0, 0_10, 10_25, 25_50, 50_100, ge_100).");
        meter.CreateObservableGauge("clearing.accounts.liquidatable", () => Current.RiskBook is { } book ? [new Measurement<int>(book.Liquidatable)] : Array.Empty<Measurement<int>>(),
            "{account}", "Margin accounts whose maintenance health is below zero.");
        meter.CreateObservableGauge("clearing.insurance_fund.balance", () => Current.InsuranceFund?.Balances.Select(b => new Measurement<double>(
                (double)b.Units, Tag("chain", b.Chain), Tag("asset", b.Asset))) ?? [],
            "{base_unit}", "The insurance fund's balance by chain and asset, in base units.");
    }

    /// <summary>The latest values; sections of <paramref name="snapshot"/> that are null keep their previous value.</summary>
    public static void Publish(OperationsSnapshot snapshot, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        lock (Gate)
        {
            latest = new OperationsSnapshot(
                snapshot.Deposits ?? latest.Deposits,
                snapshot.Outbox ?? latest.Outbox,
                snapshot.Seizures ?? latest.Seizures,
                snapshot.Cursors ?? latest.Cursors,
                snapshot.RiskBook ?? latest.RiskBook,
                snapshot.InsuranceFund ?? latest.InsuranceFund);
            clock = time;
        }
    }

    public static OperationsSnapshot Current
    {
        get
        {
            lock (Gate)
            {
                return latest;
            }
        }
    }

    private static IEnumerable<Measurement<double>> OldestOpenAge()
    {
        var now = clock.GetUtcNow();
        return Current.Outbox?.Where(g => g.State is "planned" or "signed" or "broadcast").Select(g => new Measurement<double>(
            Math.Max(0, (now - g.OldestCreatedAt).TotalSeconds), Tag("chain", g.Chain), Tag("kind", g.Kind), Tag("state", g.State))) ?? [];
    }

    private static IEnumerable<Measurement<long>> CursorLag()
    {
        foreach (var (chain, cursor) in Current.Cursors ?? new Dictionary<string, long>())
        {
            if (ChainTelemetry.HeightsOf(chain) is { } heights)
            {
                yield return new Measurement<long>(Math.Max(0, heights.Finalized - cursor), Tag("chain", chain));
            }
        }
    }

    private static KeyValuePair<string, object?> Tag(string key, object? value) => new(key, value);
}
