using Clearing.Actors.Hosting;
using Clearing.Chains;
using Clearing.Grains.Accounts;
using Clearing.Grains.Risk;
using Clearing.Persistence;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Clearing.Server.Chains;

/// <summary>
/// What every chain family's worker in <c>clearing serve</c> shares: the polling loops with exponential backoff, the
/// lease epoch the executor writes under, and the settlement of finished grain decisions back to their grains
/// (withdrawals to the account, seizures to the account's liquidation router), exactly once: a decision is queued when
/// the executor finishes it, and after a restart every finished decision of the chain is queued again once (settling
/// is idempotent on the decision id, so settled ones replay and move nothing).
/// </summary>
public abstract partial class ChainWorker(string family, string chainName, TimeSpan pollInterval, ActorHost host, ClearingDatabase database, TimeProvider clock, ILogger logger)
    : BackgroundService
{
    /// <summary>Longest wait between attempts after repeated failures: 60 s.</summary>
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(60);

    private readonly ILogger logger = logger;

    protected ILogger Logger => logger;

    protected ClearingDatabase Database { get; } = database;

    /// <summary>Whether finished decisions of earlier runs were re-queued (once per process, on the first executor round).</summary>
    private bool recovered;

    protected ActorHost Host { get; } = host;

    protected TimeProvider Clock { get; } = clock;

    protected string ChainName { get; } = chainName;

    /// <summary>The connection pool of this chain's RPC client, alive as long as the worker.</summary>
    protected HttpClient Http { get; } = new();

    public override void Dispose()
    {
        Http.Dispose();
        base.Dispose();
    }

    /// <summary>Whether this host holds the lease; only then may its executor move chain actions.</summary>
    protected bool HoldsLease => Host.Epoch is not null;

    protected long CurrentEpoch() =>
        Host.Epoch ?? throw new InvalidOperationException("The actor host holds no lease; the executor may not move chain actions.");

    /// <summary>Runs <paramref name="round"/> every poll interval until it returns false or the service stops; failures back off.</summary>
    protected async Task LoopAsync(string what, Func<CancellationToken, Task<bool>> round, CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!await round(stoppingToken))
                {
                    return;
                }

                failures = 0;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Transport errors, a fenced write after losing the lease, a database hiccup: the round's effects are
                // idempotent or compare-and-set, so running it again later is always safe.
                failures++;
                LogRoundFailed(family, ChainName, what, e.Message, failures);
            }

            try
            {
                await Task.Delay(failures == 0 ? pollInterval : Backoff(failures), Clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    protected Task LoopAsync(string what, Func<CancellationToken, Task> round, CancellationToken stoppingToken) =>
        LoopAsync(what, async token =>
        {
            await round(token);
            return true;
        }, stoppingToken);

    protected TimeSpan Backoff(int failures)
    {
        var doubled = pollInterval * Math.Pow(2, Math.Min(failures, 16));
        return doubled < MaxBackoff ? doubled : MaxBackoff;
    }

    /// <summary>
    /// One executor round with its settlement: nothing unless this host holds the lease (another host's executor owns
    /// the outbox then); the first round of the process re-queues finished decisions of earlier runs.
    /// </summary>
    protected async Task ExecuteRoundAsync(ChainPayoutJournal journal, Func<CancellationToken, Task> runExecutor, Func<FinishedDecision, CancellationToken, Task<bool>> paidOnChain, CancellationToken token)
    {
        if (!HoldsLease)
        {
            return;
        }

        await RecoverUnsettledOnceAsync(journal, token);
        await runExecutor(token);
        await SettleFinishedAsync(journal, paidOnChain, token);
    }

    /// <summary>
    /// After a restart, decisions that finished before it but whose settlement may not have been applied are found in
    /// the outbox and queued again.
    /// </summary>
    private async Task RecoverUnsettledOnceAsync(ChainPayoutJournal journal, CancellationToken token)
    {
        if (recovered)
        {
            return;
        }

        var finished = await Database.ReadAsync(async connection =>
        {
            await using var command = DbCommands.Command(connection, """
                SELECT action_id, decision_id, kind, state, payload_json, tx_id, failure_reason FROM outbox_action
                WHERE chain = @chain AND kind IN (@withdraw, @seize) AND state IN ('confirmed', 'failed') ORDER BY action_id
                """, ("@chain", ChainName), ("@withdraw", MarginAccountGrain.WithdrawKind), ("@seize", SeizeAction.Kind));
            var rows = new List<FinishedDecision>();
            await using var reader = await command.ExecuteReaderAsync(token);
            while (await reader.ReadAsync(token))
            {
                var state = reader.GetString(3) == "confirmed" ? ChainActionState.Confirmed : ChainActionState.Failed;
                var binding = reader.IsDBNull(5) ? null : new ChainActionBinding(null, null, "", reader.GetString(5));
                var action = new ChainAction(reader.GetInt64(0), reader.GetString(1), ChainName, reader.GetString(2), reader.GetString(4), state, binding, 0);
                rows.Add(new FinishedDecision(action, reader.IsDBNull(6) ? null : reader.GetString(6)));
            }

            return rows;
        }, token);
        foreach (var decision in finished)
        {
            journal.Finished.TryAdd(decision.Action.ActionId, decision);
        }

        recovered = true;
    }

    /// <summary>
    /// Tells each finished decision's grain whether it was paid. Confirmed means paid. A failed (or abandoned) action is
    /// paid only if <paramref name="paidOnChain"/> finds it executed on the chain (e.g. abandoned because an earlier
    /// execution already paid it). A decision whose grain cannot take the settlement now stays queued for the next round.
    /// </summary>
    private async Task SettleFinishedAsync(ChainPayoutJournal journal, Func<FinishedDecision, CancellationToken, Task<bool>> paidOnChain, CancellationToken token)
    {
        foreach (var (actionId, finished) in journal.Finished)
        {
            var action = finished.Action;
            GrainDecision decision;
            try
            {
                decision = GrainDecision.Read(action);
            }
            catch (FormatException e)
            {
                // Nothing to settle against: the action was abandoned for this very reason and no grain waits on it.
                LogSettlementRefused(family, ChainName, action.DecisionId, "?", e.Message);
                journal.Finished.TryRemove(actionId, out _);
                continue;
            }

            var paid = action.State == ChainActionState.Confirmed || await paidOnChain(finished, token);
            try
            {
                var (settled, replayed, reason) = await SettleAsync(decision, action, paid, finished.FailureReason);
                if (!settled)
                {
                    LogSettlementRefused(family, ChainName, action.DecisionId, decision.Account, reason ?? "");
                }
                else if (!replayed)
                {
                    LogSettled(family, ChainName, decision.Kind, action.DecisionId, decision.Account, paid);
                }

                journal.Finished.TryRemove(actionId, out _);
            }
            catch (Exception e) when (e is not OperationCanceledException || !token.IsCancellationRequested)
            {
                // One grain that cannot answer (a liquidation router not yet running, a fenced write) must not hold
                // up the settlement of the others; this one is tried again next round.
                LogSettlementFailed(family, ChainName, decision.Kind, action.DecisionId, decision.Account, e.Message);
            }
        }
    }

    private async Task<(bool Settled, bool Replayed, string? Reason)> SettleAsync(GrainDecision decision, ChainAction action, bool paid, string? failureReason)
    {
        if (decision.Kind == SeizeAction.Kind)
        {
            var transaction = paid ? action.Binding?.TxId : null;
            var reason = paid ? null : failureReason ?? "the seizure was not executed on chain";
            var result = await Host.GrainFactory.GetGrain<ILiquidationRouterGrain>(decision.Account)
                .SettleSeizureAsync(new SettleSeizure(action.DecisionId, paid, transaction, reason));
            return (result.Applied, result.Replayed, result.Reason);
        }

        var settlement = await Host.GrainFactory.GetGrain<IMarginAccountGrain>(decision.Account).SettleWithdrawalAsync(new SettleWithdrawal(action.DecisionId, paid));
        return (settlement.Settled, settlement.Replayed, settlement.Reason);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Family} chain {Chain}: {What} round failed ({Failures} in a row), retrying with backoff: {Error}")]
    protected partial void LogRoundFailed(string family, string chain, string what, string error, int failures);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Family} chain {Chain}: {Kind} {DecisionId} of account {Account} settled (paid: {Paid})")]
    private partial void LogSettled(string family, string chain, string kind, string decisionId, string account, bool paid);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Family} chain {Chain}: account {Account} refused the settlement of {DecisionId}: {Reason}")]
    private partial void LogSettlementRefused(string family, string chain, string decisionId, string account, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Family} chain {Chain}: settling {Kind} {DecisionId} of account {Account} failed, retried next round: {Error}")]
    private partial void LogSettlementFailed(string family, string chain, string kind, string decisionId, string account, string error);
}
