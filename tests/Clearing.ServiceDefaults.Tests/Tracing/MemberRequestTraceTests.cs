using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Clearing.Chains;
using Clearing.Persistence.Outbox;
using Clearing.ServiceDefaults.Tests.Service;
using Clearing.Telemetry;
using Clearing.TestKit;

namespace Clearing.ServiceDefaults.Tests.Tracing;

/// <summary>
/// One trace from a member's request to the chain action it caused: the ASP.NET Core request span, the grain turn
/// spans of the actor host (children of the span the call was made from), the W3C traceparent stored on the outbox
/// action by the turn that planned it, and the executor's span for that action (a child of that turn).
/// </summary>
[Collection(ServiceTestCollection.Name)]
public sealed class MemberRequestTraceTests
{
    private const string Withdraw100 = """{"chain":"evm-1","asset":"USDC","units":"100000000","destination":"0xdest"}""";

    [Fact]
    public async Task A_withdrawal_request_its_grain_turns_its_outbox_action_and_the_executor_step_share_one_trace()
    {
        using var spans = new SpanCollector();
        await using var service = await ClearingTestService.StartAsync();
        await service.DepositUsdcAsync("a1", 1_000, "0xfunding");

        using var response = await service.Http.SendAsync(ClearingTestService.Signed(HttpMethod.Post, "/v1/accounts/a1/withdrawals", Withdraw100, "wd-trace"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var decisionId = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("decisionId").GetString()!;

        var outbox = new OutboxStore(service.Database);
        var planned = await outbox.FindByDecisionAsync(decisionId);
        Assert.NotNull(planned?.TraceParent);
        var plannedIn = ClearingTelemetry.ParentFrom(planned.TraceParent);
        Assert.NotEqual(default, plannedIn.TraceId);

        // The executors open this span per step on an open action they read from the journal.
        var journal = new OutboxChainActionJournal(outbox, () => service.Host.Epoch!.Value, TimeProvider.System);
        var action = (await journal.OpenAsync(ClearingTestService.Chain, CancellationToken.None)).Single(a => a.DecisionId == decisionId);
        using (ChainTelemetry.StartExecution(action))
        {
        }

        IReadOnlyList<Activity> trace = [];
        await Wait.UntilAsync(
            () =>
            {
                trace = spans.InTrace(plannedIn.TraceId);
                return Task.FromResult(trace.Any(IsRequestSpan) && trace.Any(IsExecutionSpan));
            },
            TimeSpan.FromSeconds(30),
            "the request span and the executor span to end in the planned action's trace");

        var request = trace.Single(IsRequestSpan);
        var withdrawalTurn = trace.Single(span => span.Source.Name == ClearingTelemetry.Name && (string?)span.GetTagItem("rpc.method") == "RequestWithdrawalAsync");
        var execution = trace.Single(IsExecutionSpan);

        // The grain turn descends from the request; the outbox action names that turn; the executor step is its child.
        Assert.True(Descends(withdrawalTurn, request, trace), $"the grain turn is not under the request span; trace: {Describe(trace)}");
        Assert.Equal(withdrawalTurn.SpanId, plannedIn.SpanId);
        Assert.Equal(withdrawalTurn.SpanId, execution.ParentSpanId);
        Assert.Equal(decisionId, execution.GetTagItem("clearing.action.decision"));
    }

    [Fact]
    public async Task A_grain_call_made_outside_any_trace_roots_its_own_trace_and_the_action_it_plans_carries_that_trace()
    {
        using var spans = new SpanCollector();
        await using var service = await ClearingTestService.StartAsync();
        await service.DepositUsdcAsync("a1", 1_000, "0xfunding");
        var previous = Activity.Current;
        Activity.Current = null;
        try
        {
            // No span on the caller's flow (a background job): the turn roots a trace of its own, and the action carries it.
            var result = await service.Account("a1").RequestWithdrawalAsync(
                new Clearing.Grains.Accounts.RequestWithdrawal("cmd-untraced", ClearingTestService.Chain, "USDC", 5_000_000, "0xdest"));
            var planned = await new OutboxStore(service.Database).FindByDecisionAsync(result.DecisionId!);
            var plannedIn = ClearingTelemetry.ParentFrom(planned!.TraceParent);
            var turn = Assert.Single(spans.InTrace(plannedIn.TraceId), span => span.SpanId == plannedIn.SpanId);
            Assert.Equal(default, turn.ParentSpanId);
        }
        finally
        {
            Activity.Current = previous;
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData("not-a-traceparent")]
    [InlineData("00-00000000000000000000000000000000-0000000000000000-01")]
    public void A_missing_or_malformed_traceparent_gives_no_parent(string? traceParent) =>
        Assert.Equal(default, ClearingTelemetry.ParentFrom(traceParent));

    [Fact]
    public void A_stored_traceparent_round_trips_to_the_span_it_names()
    {
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Clearing.Tests.Tracing",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        using var source = new ActivitySource("Clearing.Tests.Tracing");
        using var span = source.StartActivity("decide")!;

        var parent = ClearingTelemetry.ParentFrom(ClearingTelemetry.CurrentTraceParent());

        Assert.Equal(span.TraceId, parent.TraceId);
        Assert.Equal(span.SpanId, parent.SpanId);
        Assert.True(parent.IsRemote);
    }

    private static bool IsRequestSpan(Activity span) => span.Source.Name == "Microsoft.AspNetCore" && span.Kind == ActivityKind.Server;

    private static bool IsExecutionSpan(Activity span) => span.Source.Name == ClearingTelemetry.Name && span.OperationName.StartsWith("execute ", StringComparison.Ordinal);

    private static bool Descends(Activity span, Activity ancestor, IReadOnlyList<Activity> trace)
    {
        var byId = trace.ToDictionary(s => s.SpanId);
        for (var parent = span.ParentSpanId; parent != default; parent = byId.TryGetValue(parent, out var next) ? next.ParentSpanId : default)
        {
            if (parent == ancestor.SpanId)
            {
                return true;
            }
        }

        return false;
    }

    private static string Describe(IEnumerable<Activity> trace) =>
        string.Join("; ", trace.Select(s => $"{s.Source.Name}:{s.DisplayName} {s.SpanId}<-{s.ParentSpanId}"));
}
