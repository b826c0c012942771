using Clearing.Actors.Hosting;
using Clearing.Chains;
using Clearing.Chains.Solana.Rpc;
using Clearing.Chains.Solana.Vault;
using Clearing.Grains.Deposits;
using Clearing.Persistence;
using Clearing.Persistence.Outbox;
using Microsoft.Extensions.Logging;

namespace Clearing.Server.Chains;

/// <summary>
/// Runs the Solana chain inside <c>clearing serve</c>, the same shape as <see cref="EvmChainWorker"/>: the deposit
/// watcher loop (credits at <c>finalized</c> into the durable sink) and the executor loop (withdrawals and seizures as
/// SPL transfers out of the vault, each settled back to its grain). A finality violation or a vault history that no
/// longer reaches the cursor's anchor stops crediting on this chain (an operator must look); the executor keeps running.
/// </summary>
public sealed partial class SolanaChainWorker(
    SolanaChain chain,
    ActorHost host,
    ClearingDatabase database,
    TimeProvider clock,
    ILogger<SolanaChainWorker> logger) : ChainWorker("Solana", chain.Name, chain.PollInterval, host, database, clock, logger)
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Hosted services start one after another; yield so the host's start is not held by this loop.
        await Task.Yield();
        var rpc = new SolanaRpcClient(Http, chain.RpcUrl, new SolanaRpcOptions { Chain = chain.Name });
        var journal = new ChainPayoutJournal(
            new OutboxChainActionJournal(new OutboxStore(Database), CurrentEpoch, Clock),
            new SolanaPayouts(chain.Vault, chain.LiquidationReceiver));
        var executor = new SolanaExecutor(rpc, journal, chain.Vault, chain.VaultAuthority);
        var watcher = new SolanaDepositWatcher(rpc, chain.Vault, new DurableDepositSink(Host.GrainFactory));
        LogStarted(Logger, chain.ToString());
        await Task.WhenAll(
            LoopAsync("deposit watcher", token => WatchOnceAsync(watcher, token), stoppingToken),
            LoopAsync("executor", token => ExecuteRoundAsync(journal, t => RunExecutorAsync(executor, t), (finished, t) => LandedAtFinalizedAsync(rpc, finished.Action, t), token), stoppingToken));
    }

    private async Task<bool> WatchOnceAsync(SolanaDepositWatcher watcher, CancellationToken token)
    {
        try
        {
            var round = await watcher.PollOnceAsync(token);
            LogWatchRound(Logger, chain.Name, round.FinalizedSlot, round.FinalCommitted, round.Pending);
            return true;
        }
        catch (Exception e) when (e is FinalityViolationException or SignatureAnchorMissingException)
        {
            LogCreditingStopped(Logger, chain.Name, e.Message);
            return false;
        }
    }

    private async Task RunExecutorAsync(SolanaExecutor executor, CancellationToken token)
    {
        var pass = await executor.RunOnceAsync(token);
        foreach (var problem in pass.Problems)
        {
            // Refusals and RPC failures of one action; it is retried next round with the same bound transaction.
            LogExecutorProblem(Logger, chain.Name, problem);
        }
    }

    /// <summary>
    /// Whether a failed or abandoned decision was nevertheless paid: its bound transaction is in the finalized chain
    /// without error. (The executor re-signs only after the old transaction can never land, so the last binding is
    /// the only one that can have paid.)
    /// </summary>
    private static async Task<bool> LandedAtFinalizedAsync(SolanaRpcClient rpc, ChainAction action, CancellationToken token)
    {
        if (action.Binding is not { TxId: { Length: > 0 } txId })
        {
            return false;
        }

        var status = (await rpc.GetSignatureStatusesAsync([txId], searchTransactionHistory: true, token)).Value.Value[0];
        return status is { ConfirmationStatus: "finalized", Failed: false };
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Solana chain {Chain} started")]
    private static partial void LogStarted(ILogger logger, string chain);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Solana chain {Chain}: watch round at finalized slot {Finalized}, {Committed} credited, {Pending} pending")]
    private static partial void LogWatchRound(ILogger logger, string chain, ulong finalized, int committed, int pending);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Solana chain {Chain}: deposit crediting STOPPED for this chain until an operator intervenes: {Reason}")]
    private static partial void LogCreditingStopped(ILogger logger, string chain, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Solana chain {Chain}: executor: {Problem}")]
    private static partial void LogExecutorProblem(ILogger logger, string chain, string problem);
}
