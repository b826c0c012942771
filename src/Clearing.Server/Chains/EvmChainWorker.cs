using Clearing.Actors.Hosting;
using Clearing.Chains;
using Clearing.Chains.Evm.Abi;
using Clearing.Chains.Evm.Execution;
using Clearing.Chains.Evm.Rpc;
using Clearing.Chains.Evm.Vault;
using Clearing.Grains.Deposits;
using Clearing.Grains.Risk;
using Clearing.Persistence;
using Clearing.Persistence.Outbox;
using Microsoft.Extensions.Logging;

namespace Clearing.Server.Chains;

/// <summary>
/// Runs one EVM chain inside <c>clearing serve</c>: the deposit watcher loop and the executor loop (withdrawals and
/// seizures, each settled back to its grain), each on the chain's poll interval. Transport failures are logged and
/// retried with exponential backoff; a <see cref="FinalityViolationException"/> stops this chain's crediting for good
/// (an operator must look) while the executor keeps paying what was already decided.
/// </summary>
public sealed partial class EvmChainWorker(
    EvmChain chain,
    ActorHost host,
    ClearingDatabase database,
    TimeProvider clock,
    ILogger<EvmChainWorker> logger) : ChainWorker("EVM", chain.Name, chain.PollInterval, host, database, clock, logger)
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Hosted services start one after another; yield so the host's start is not held by this loop.
        await Task.Yield();
        var rpc = new EvmRpcClient(Http, chain.RpcUrl, new EvmRpcOptions { Chain = chain.Name });
        if (!await SameChainAsync(rpc, stoppingToken))
        {
            return;
        }

        var journal = new ChainPayoutJournal(
            new OutboxChainActionJournal(new OutboxStore(Database), CurrentEpoch, Clock),
            new EvmPayouts(chain.Vault.Tokens, chain.LiquidationReceiver));
        var executor = new EvmExecutor(
            new EvmTransactionSender(rpc, chain.OperatorKey, chain.Vault.ChainId),
            journal,
            new EvmExecutorOptions { Chain = chain.Name, Vault = chain.Vault.Vault });
        var watcher = new EvmDepositWatcher(rpc, chain.Vault, new DurableDepositSink(Host.GrainFactory));
        LogStarted(Logger, chain.ToString());
        await Task.WhenAll(
            LoopAsync("deposit watcher", token => WatchOnceAsync(watcher, token), stoppingToken),
            LoopAsync("executor", token => ExecuteRoundAsync(journal, executor.RunOnceAsync, (finished, t) => IdUsedAtFinalizedAsync(rpc, finished.Action, t), token), stoppingToken));
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

                LogWrongChain(Logger, chain.Name, chain.Vault.ChainId, answer.Value, chain.RpcHost);
                return false;
            }

            LogRoundFailed("EVM", chain.Name, "chain id check", answer.Failure!.ToString(), failures + 1);
            await Task.Delay(Backoff(failures), Clock, stoppingToken);
        }
    }

    private async Task<bool> WatchOnceAsync(EvmDepositWatcher watcher, CancellationToken token)
    {
        try
        {
            var result = await watcher.PollOnceAsync(token);
            LogWatchRound(Logger, chain.Name, result.Outcome, result.FinalizedHeight, result.FinalCommitted, result.Pending);
            return true;
        }
        catch (FinalityViolationException violation)
        {
            LogFinalityViolation(Logger, chain.Name, violation.Message);
            return false;
        }
    }

    /// <summary>Whether the vault records the decision's withdrawal or liquidation id as used at the finalized block.</summary>
    private async Task<bool> IdUsedAtFinalizedAsync(EvmRpcClient rpc, ChainAction action, CancellationToken token)
    {
        var lookup = action.Kind == SeizeAction.Kind ? ClearingVaultAbi.LiquidationIdUsed : ClearingVaultAbi.WithdrawalIdUsed;
        var call = new CallRequest { To = chain.Vault.Vault, Data = lookup.EncodeCall(EvmExecutor.DecisionId32(action.DecisionId)) };
        var answer = (await rpc.CallAsync(call, BlockTag.Finalized, token)).Value;
        return (bool)lookup.DecodeOutput(answer)[0];
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "EVM chain {Chain} started")]
    private static partial void LogStarted(ILogger logger, string chain);

    [LoggerMessage(Level = LogLevel.Critical, Message = "EVM chain {Chain}: configured chain id {Configured} but the node at {RpcUrl} is chain {Actual}; nothing runs for this chain")]
    private static partial void LogWrongChain(ILogger logger, string chain, ulong configured, ulong actual, string rpcUrl);

    [LoggerMessage(Level = LogLevel.Debug, Message = "EVM chain {Chain}: watch round {Outcome}, finalized {Finalized}, {Committed} credited, {Pending} pending")]
    private static partial void LogWatchRound(ILogger logger, string chain, WatchOutcome outcome, ulong finalized, int committed, int pending);

    [LoggerMessage(Level = LogLevel.Critical, Message = "EVM chain {Chain}: FINALITY VIOLATED, deposit crediting stopped for this chain until an operator intervenes: {Reason}")]
    private static partial void LogFinalityViolation(ILogger logger, string chain, string reason);
}
