using Clearing.Actors;

namespace Clearing.Grains.Accounts;

/// <summary>
/// One margin account (key = the account id, see <c>Clearing.Chains.AccountIdCodec</c>): its balances per (chain, asset),
/// reservations for withdrawals in flight, pending deposits and perp positions, valued by <c>Clearing.Domain</c>.
/// Every command is one durable commit: the new state (version compare-and-set), its balanced journal entries, its
/// outbox actions and its idempotency key, in one database transaction. A command sent again (same key) is not applied
/// again: it returns the first run's result with <c>Replayed = true</c>.
/// </summary>
[GrainType("margin-account")]
public interface IMarginAccountGrain : IGrainWithStringKey, Deposits.IDepositRecipient
{
    /// <summary>Credits a finalized deposit, once per <see cref="CreditDeposit.Key"/> (across all accounts).</summary>
    Task<CreditResult> CreditDepositAsync(CreditDeposit command);

    /// <summary>Replaces this account's pending (not yet final) deposits on one chain: shown, worth zero.</summary>
    Task ReplacePendingDepositsAsync(ReplacePendingDeposits command);

    /// <summary>
    /// Reserves a withdrawal if the balance holds it and initial health stays ≥ 0 after it, and plans one outbox action
    /// <c>withdraw</c> (decision id in the result) in the same commit; otherwise a reasoned refusal.
    /// </summary>
    Task<WithdrawalResult> RequestWithdrawalAsync(RequestWithdrawal command);

    /// <summary>
    /// Ends a reserved withdrawal once its outbox action is final: paid (the reservation leaves custody) or failed (the
    /// amount returns to the available balance). Idempotent on the decision id.
    /// </summary>
    Task<SettlementResult> SettleWithdrawalAsync(SettleWithdrawal command);

    /// <summary>Applies a fill after the pre-trade check (initial health ≥ 0 after it); otherwise a reasoned rejection.</summary>
    Task<TradeResult> ApplyTradeAsync(ApplyTrade command);

    /// <summary>
    /// Settles the funding of the position in <paramref name="market"/> up to the market's current cumulative funding
    /// index (from the risk configuration) into the settlement balance. Once per (market, index).
    /// </summary>
    Task<FundingResult> SettleFundingAsync(string market);

    Task<AccountSnapshot> GetSnapshotAsync();

    /// <summary>
    /// A liquidation router asks the account to re-check (the Domain's health on its committed state, live prices) and
    /// plan each liquidatable pool with the Domain's planner; an accepted plan is applied in one commit. Idempotent on
    /// <see cref="PlanLiquidation.PlanId"/>: a plan sent again returns the first, applied one.
    /// </summary>
    Task<LiquidationPlanResult> PlanLiquidationAsync(PlanLiquidation command);

    /// <summary>
    /// The end of a seizure's outbox action: paid (the reserved collateral leaves custody) or failed (the units and the
    /// value credited for them come back). Idempotent on the decision id.
    /// </summary>
    Task<SeizureResultApplied> ApplyLiquidationResultAsync(ApplySeizureResult command);

    /// <summary>Moves collateral between the cross pool and an isolated sub-account (initial health of the source stays ≥ 0).</summary>
    Task<IsolatedMoveResult> MoveIsolatedCollateralAsync(MoveIsolatedCollateral command);
}
