using System.Data.Common;
using Clearing.Actors;
using Clearing.Actors.Hosting;
using Clearing.Chains;
using Clearing.Chains.Evm.Abi;
using Clearing.Chains.Evm.Execution;
using Clearing.Chains.Evm.Rpc;
using Clearing.Chains.Evm.Vault;
using Clearing.Grains.Accounts;
using Clearing.Grains.Deposits;
using Clearing.Persistence;
using Clearing.Persistence.Outbox;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Clearing.Server.Chains;

/// <summary>
/// Runs one EVM chain inside <c>clearing serve</c>: the deposit watcher loop and the executor loop (which also settles
/// finished withdrawals back to their accounts), each on the chain's poll interval. Transport failures are logged and
/// retried with exponential backoff; a <see cref="FinalityViolationException"/> stops this chain's crediting for good
/// (an operator must look) while the executor keeps paying what was already decided.
/// </summary>
public sealed partial class EvmChainWorker(
    EvmChain chain,
    ActorHost host,
    ClearingDatabase database,
    TimeProvider clock,
    ILogger<EvmChainWorker> logger) : BackgroundService
{
    /// <summary>Longest wait between attempts after repeated failures: 60 s.</summary>
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(60);

    private readonly HttpClient http = new();

    /// <summary>Whether finished withdrawals of earlier runs were re-queued (once per process, on the first executor round).</summary>
    private bool recovered;

    public override void Dispose()
    {
        http.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Hosted services start one after another; yield so the host's start is not held by this loop.
        await Task.Yield();
        var rpc = new EvmRpcClient(http, chain.RpcUrl);
        if (!await SameChainAsync(rpc, stoppingToken))
        {
            return;
        }

        var journal = new WithdrawalPayoutJournal(new OutboxChainActionJournal(new OutboxStore(database), CurrentEpoch, clock), chain.Vault.Tokens);
        var executor = new EvmExecutor(
            new EvmTransactionSender(rpc, chain.OperatorKey, chain.Vault.ChainId),
            journal,
            new EvmExecutorOptions { Chain = chain.Name, Vault = chain.Vault.Vault });
        var watcher = new EvmDepositWatcher(rpc, chain.Vault, new DurableDepositSink(host.GrainFactory));
        LogStarted(chain.ToString());
        await Task.WhenAll(
            LoopAsync("deposit watcher", token => WatchOnceAsync(watcher, token), stoppingToken),
            LoopAsync("executor", async token =>
            {
                if (host.Epoch is null)
                {
                    // Not the active host (no lease): another host's executor owns the outbox.
                    return;
                }

                await RecoverUnsettledOnceAsync(journal, token);
                await executor.RunOnceAsync(token);
                await SettleFinishedAsync(journal, rpc, token);
            }, stoppingToken));
    }

    /// <summary>A node of another chain would get transactions signed for ours (refused) and logs of another vault: refuse to run.</summary>
    private async Task<bool> SameChainAsync(EvmRpcClient rpc, CancellationToken stoppingToken)
    {
        for (var failures = 0; ; failures++)
        {
            var answer = await rpc.GetChainIdAsync(stoppingToken);
            if (answer.IsSuccess)
            {
                if (answer.Value == chain.Vault.ChainId)
                {
                    return true;
                }

                LogWrongChain(chain.Name, chain.Vault.ChainId, answer.Value, chain.RpcHost);
                return false;
            }

            LogRoundFailed(chain.Name, "chain id check", answer.Failure!.ToString(), failures + 1);
            await Task.Delay(Backoff(failures), clock, stoppingToken);
        }
    }

    private async Task LoopAsync(string what, Func<CancellationToken, Task<bool>> round, CancellationToken stoppingToken)
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
                LogRoundFailed(chain.Name, what, e.Message, failures);
            }

            try
            {
                await Task.Delay(failures == 0 ? chain.PollInterval : Backoff(failures), clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private Task LoopAsync(string what, Func<CancellationToken, Task> round, CancellationToken stoppingToken) =>
        LoopAsync(what, async token =>
        {
            await round(token);
            return true;
        }, stoppingToken);

    private async Task<bool> WatchOnceAsync(EvmDepositWatcher watcher, CancellationToken token)
    {
        try
        {
            var result = await watcher.PollOnceAsync(token);
            LogWatchRound(chain.Name, result.Outcome, result.FinalizedHeight, result.FinalCommitted, result.Pending);
            return true;
        }
        catch (FinalityViolationException violation)
        {
            LogFinalityViolation(chain.Name, violation.Message);
            return false;
        }
    }

    private TimeSpan Backoff(int failures)
    {
        var doubled = chain.PollInterval * Math.Pow(2, Math.Min(failures, 16));
        return doubled < MaxBackoff ? doubled : MaxBackoff;
    }

    private long CurrentEpoch() =>
        host.Epoch ?? throw new InvalidOperationException("The actor host holds no lease; the executor may not move chain actions.");

    /// <summary>
    /// After a restart, withdrawals that finished before it but whose settlement was not yet applied are found in the
    /// outbox and queued again. Settling is idempotent (the grain's key <c>settle:&lt;decisionId&gt;</c>), so the ones
    /// already settled come back as replays and move nothing.
    /// </summary>
    private async Task RecoverUnsettledOnceAsync(WithdrawalPayoutJournal journal, CancellationToken token)
    {
        if (recovered)
        {
            return;
        }

        var finished = await database.ReadAsync(async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = """
                SELECT action_id, decision_id, state, payload_json FROM outbox_action
                WHERE chain = @chain AND kind = @kind AND state IN ('confirmed', 'failed') ORDER BY action_id
                """;
            Parameter(command, "@chain", chain.Name);
            Parameter(command, "@kind", MarginAccountGrain.WithdrawKind);
            var rows = new List<ChainAction>();
            await using var reader = await command.ExecuteReaderAsync(token);
            while (await reader.ReadAsync(token))
            {
                var state = reader.GetString(2) == "confirmed" ? ChainActionState.Confirmed : ChainActionState.Failed;
                rows.Add(new ChainAction(reader.GetInt64(0), reader.GetString(1), chain.Name, MarginAccountGrain.WithdrawKind, reader.GetString(3), state, null, 0));
            }

            return rows;
        }, token);
        foreach (var action in finished)
        {
            journal.Finished.TryAdd(action.ActionId, action);
        }

        recovered = true;
    }

    private static void Parameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }

    /// <summary>
    /// Tells each finished withdrawal's account whether it was paid. Confirmed means paid. A failed (or abandoned)
    /// action is paid only if the vault records its id as used at the finalized block (e.g. abandoned because an
    /// earlier execution already paid it); otherwise the reserved units go back to the account.
    /// </summary>
    private async Task SettleFinishedAsync(WithdrawalPayoutJournal journal, EvmRpcClient rpc, CancellationToken token)
    {
        foreach (var (actionId, action) in journal.Finished)
        {
            var paid = action.State == ChainActionState.Confirmed || await IdUsedAtFinalizedAsync(rpc, action.DecisionId, token);
            var account = WithdrawalPayoutJournal.AccountOf(action);
            var result = await host.GrainFactory.GetGrain<IMarginAccountGrain>(account).SettleWithdrawalAsync(new SettleWithdrawal(action.DecisionId, paid));
            if (!result.Settled)
            {
                LogSettlementRefused(chain.Name, action.DecisionId, account, result.Reason ?? "");
            }
            else if (!result.Replayed)
            {
                LogSettled(chain.Name, action.DecisionId, account, paid);
            }

            journal.Finished.TryRemove(actionId, out _);
        }
    }

    private async Task<bool> IdUsedAtFinalizedAsync(EvmRpcClient rpc, string decisionId, CancellationToken token)
    {
        var call = new CallRequest { To = chain.Vault.Vault, Data = ClearingVaultAbi.WithdrawalIdUsed.EncodeCall(EvmExecutor.DecisionId32(decisionId)) };
        var answer = (await rpc.CallAsync(call, BlockTag.Finalized, token)).Value;
        return (bool)ClearingVaultAbi.WithdrawalIdUsed.DecodeOutput(answer)[0];
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "EVM chain {Chain} started")]
    private partial void LogStarted(string chain);

    [LoggerMessage(Level = LogLevel.Critical, Message = "EVM chain {Chain}: configured chain id {Configured} but the node at {RpcUrl} is chain {Actual}; nothing runs for this chain")]
    private partial void LogWrongChain(string chain, ulong configured, ulong actual, string rpcUrl);

    [LoggerMessage(Level = LogLevel.Warning, Message = "EVM chain {Chain}: {What} round failed ({Failures} in a row), retrying with backoff: {Error}")]
    private partial void LogRoundFailed(string chain, string what, string error, int failures);

    [LoggerMessage(Level = LogLevel.Debug, Message = "EVM chain {Chain}: watch round {Outcome}, finalized {Finalized}, {Committed} credited, {Pending} pending")]
    private partial void LogWatchRound(string chain, WatchOutcome outcome, ulong finalized, int committed, int pending);

    [LoggerMessage(Level = LogLevel.Critical, Message = "EVM chain {Chain}: FINALITY VIOLATED, deposit crediting stopped for this chain until an operator intervenes: {Reason}")]
    private partial void LogFinalityViolation(string chain, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "EVM chain {Chain}: withdrawal {DecisionId} of account {Account} settled (paid: {Paid})")]
    private partial void LogSettled(string chain, string decisionId, string account, bool paid);

    [LoggerMessage(Level = LogLevel.Error, Message = "EVM chain {Chain}: account {Account} refused the settlement of withdrawal {DecisionId}: {Reason}")]
    private partial void LogSettlementRefused(string chain, string decisionId, string account, string reason);
}
