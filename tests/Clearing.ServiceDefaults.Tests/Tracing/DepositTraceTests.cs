using System.Diagnostics;
using System.Numerics;
using Clearing.Actors;
using Clearing.Chains;
using Clearing.Grains.Deposits;
using Clearing.ServiceDefaults.Tests.Service;
using Clearing.Telemetry;
using Clearing.TestKit;
using Microsoft.Extensions.DependencyInjection;

namespace Clearing.ServiceDefaults.Tests.Tracing;

/// <summary>
/// A deposit's trace: the watcher round that saw it (the span the EVM and Solana watchers open, with one event per
/// deposit) is the parent of the grain turns that credit it through the durable sink.
/// </summary>
[Collection(ServiceTestCollection.Name)]
public sealed class DepositTraceTests
{
    [Fact]
    public async Task A_deposit_seen_in_a_watcher_round_is_credited_by_grain_turns_in_the_rounds_trace()
    {
        using var spans = new SpanCollector();
        await using var service = await ClearingTestService.StartAsync();
        var sink = new DurableDepositSink(service.Services.GetRequiredService<IGrainFactory>());
        var key = new DepositKey(ClearingTestService.Chain, "0xdeposit", 3);
        var deposit = new ObservedDeposit(key, "a1", "USDC", "0xusdc", new BigInteger(7_000_000), 5, "0xblock5", "0xdepositor");

        Activity round;
        using (round = ChainTelemetry.StartWatchRound(ClearingTestService.Chain)!)
        {
            ChainTelemetry.DepositsSeen(round, [deposit], final: true);
            await sink.CommitFinalizedAsync(ClearingTestService.Chain, new ChainCursor(5, "0xblock5"), [deposit], CancellationToken.None);
        }

        IReadOnlyList<Activity> trace = [];
        await Wait.UntilAsync(
            () =>
            {
                trace = spans.InTrace(round.TraceId);
                return Task.FromResult(trace.Any(s => s.SpanId == round.SpanId) && trace.Any(IsCommitTurn));
            },
            TimeSpan.FromSeconds(30),
            "the watcher round and the commit turn to end in one trace");

        Assert.Equal(round.SpanId, trace.Single(IsCommitTurn).ParentSpanId);
        var seen = Assert.Single(trace.Single(s => s.SpanId == round.SpanId).Events, e => e.Name == "deposit.final");
        Assert.Equal(key.ToString(), seen.Tags.Single(t => t.Key == "clearing.deposit.key").Value);
        var credited = await service.Account("a1").GetSnapshotAsync();
        Assert.Contains(credited.Balances, b => b.Chain == ClearingTestService.Chain && b.Asset == "USDC" && b.Units == 7_000_000);
    }

    private static bool IsCommitTurn(Activity span) =>
        span.Source.Name == ClearingTelemetry.Name && (string?)span.GetTagItem("rpc.method") == nameof(IChainDepositsGrain.CommitFinalizedAsync);
}
