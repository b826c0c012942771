using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Clearing.Chains.Evm.Execution;
using Clearing.Chains.Evm.Model;
using Clearing.Chains.Evm.Rpc;
using Clearing.Chains.Evm.Signing;
using Clearing.IntegrationTests.Evm;
using Clearing.Persistence;
using Clearing.Persistence.ActorStorage;
using Clearing.Persistence.Migrations;
using Clearing.Persistence.Outbox;
using Clearing.Telemetry;
using Clearing.TestKit;
using Microsoft.Data.Sqlite;

namespace Clearing.IntegrationTests.Telemetry;

/// <summary>
/// The real EVM executor on a real anvil, over the durable outbox: every step it takes on an action is a span in the
/// trace of the decision that planned it (the traceparent stored with the action), and the JSON-RPC HTTP calls that
/// sign and broadcast the chain transaction are that step's children.
/// </summary>
[Trait("RealComponent", "true")]
public sealed class ExecutorTraceOnAnvilTests : IAsyncLifetime, IDisposable
{
    private const string Chain = "chain-a";
    private readonly string folder = Directory.CreateTempSubdirectory("clearing-trace-").FullName;
    private readonly HttpClient http = new();
    private readonly ConcurrentQueue<Activity> ended = new();
    private readonly ActivityListener listener;
    private AnvilNode node = null!;
    private ClearingDatabase database = null!;
    private long epoch;

    public ExecutorTraceOnAnvilTests()
    {
        listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is ClearingTelemetry.Name or "System.Net.Http",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = ended.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
    }

    public async Task InitializeAsync()
    {
        node = await AnvilNode.StartAsync(TwoAnvilChainsFixture.ChainAId);
        database = new ClearingDatabase(SqlDialect.Sqlite, $"Data Source={Path.Combine(folder, "clearing.sqlite")}");
        await new SchemaMigrator(database, TimeProvider.System).MigrateAsync();
        epoch = (await new SqlHostLease(database).TryAcquireAsync("host-a", DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5), default))!.Epoch;
    }

    [Fact]
    public async Task Every_executor_step_of_an_action_and_its_rpc_calls_are_in_the_trace_of_the_decision_that_planned_it()
    {
        var (token, vault) = await new AnvilContracts(node).DeployFundedVaultAsync(1_000_000_000);
        var recipient = EvmPrivateKey.Generate().Address;
        using var decisions = new ActivitySource("Clearing.Tests.Decisions");
        using var decisionListener = new ActivityListener
        {
            ShouldListenTo = source => source == decisions,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(decisionListener);

        var outbox = new OutboxStore(database);
        ActivityContext decided;
        long actionId;
        using (var decision = decisions.StartActivity("liquidation decision")!)
        {
            decided = decision.Context;
            var payout = new EvmPayout(token.ToChecksumString(), recipient.ToChecksumString(), 250_000_000.ToString(CultureInfo.InvariantCulture));
            actionId = await outbox.PlanAsync(new PlannedAction("liq-trace-1", Chain, EvmExecutor.SeizureKind, payout.ToJson()), epoch, DateTimeOffset.UtcNow);
        }

        // The executor runs later, outside any span, as the chain worker's loop does.
        Activity.Current = null;
        var rpc = new EvmRpcClient(http, node.Url, new EvmRpcOptions { Chain = Chain });
        var executor = new EvmExecutor(
            new EvmTransactionSender(rpc, EvmPrivateKey.FromHex(AnvilNode.DevAccount0PrivateKey), node.ChainId),
            new OutboxChainActionJournal(outbox, () => epoch, TimeProvider.System),
            new EvmExecutorOptions { Chain = Chain, Vault = vault });
        for (var round = 1; (await outbox.FindAsync(actionId))!.State != OutboxState.Confirmed; round++)
        {
            Assert.True(round <= 10, "the seizure should be confirmed within 10 rounds");
            await executor.RunOnceAsync(CancellationToken.None);
            await node.MineAsync(2);
        }

        var trace = ended.Where(span => span.TraceId == decided.TraceId).ToList();
        var steps = trace.Where(span => span.Source.Name == ClearingTelemetry.Name && span.OperationName == $"execute {EvmExecutor.SeizureKind} {Chain}").ToList();
        Assert.True(steps.Count >= 2, $"{steps.Count} executor steps in the decision's trace (bind and send, then confirm)");
        Assert.All(steps, step => Assert.Equal(decided.SpanId, step.ParentSpanId));
        Assert.All(steps, step => Assert.Equal("liq-trace-1", step.GetTagItem("clearing.action.decision")));

        var rpcCalls = trace.Where(span => span.Source.Name == "System.Net.Http").ToList();
        Assert.NotEmpty(rpcCalls);
        Assert.All(rpcCalls, call => Assert.Contains(steps, step => step.SpanId == call.ParentSpanId));
        var confirmed = (await outbox.FindAsync(actionId))!;
        Assert.Equal(confirmed.TxId, steps.Last().GetTagItem("clearing.action.tx"));
    }

    public async Task DisposeAsync()
    {
        http.Dispose();
        await node.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }

    public void Dispose() => listener.Dispose();
}
