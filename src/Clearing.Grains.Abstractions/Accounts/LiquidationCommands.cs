using System.Text.Json.Serialization;
using Clearing.Domain.Numerics;
using Clearing.Grains.Serialization;

namespace Clearing.Grains.Accounts;

/// <summary>The pool name of an account's cross margin pool; an isolated sub-account's pool is named by its market.</summary>
public static class MarginPools
{
    public const string Cross = "cross";
}

/// <summary>
/// A liquidation router's request that the account re-check and plan. <paramref name="PlanId"/> is the idempotency key
/// of this plan (the liquidation id, or the liquidation id with a round suffix when a failed seizure is re-routed);
/// <paramref name="InsuranceFundUnits"/> what the fund holds of the settlement asset (base units);
/// <paramref name="AdlCandidates"/> opposing positions that may absorb a bankruptcy; <paramref name="Excluded"/> the
/// collateral not to seize (a seizure of it failed in this liquidation).
/// </summary>
public sealed record PlanLiquidation(
    string LiquidationId,
    string PlanId,
    Int128 InsuranceFundUnits,
    IReadOnlyList<AdlCandidateView> AdlCandidates,
    IReadOnlyList<CollateralRef> Excluded);

/// <summary>One (chain, asset) of collateral.</summary>
public sealed record CollateralRef(string Chain, string Asset);

/// <summary>An opposing position for auto-deleveraging: size (signed), entry price and the account's value, USD.</summary>
public sealed record AdlCandidateView(
    string AccountId,
    string Market,
    [property: JsonConverter(typeof(FixedJsonConverter))] Fixed Size,
    [property: JsonConverter(typeof(FixedJsonConverter))] Fixed EntryPrice,
    [property: JsonConverter(typeof(FixedJsonConverter))] Fixed AccountValue);

/// <summary>
/// The account's decision on a <see cref="PlanLiquidation"/>. Accepted: the plans (one per liquidatable pool) were
/// applied in one commit (collateral to seize reserved, positions closed, fees and loss booked). Refused:
/// <paramref name="Reason"/> (healthy on re-check, a price not live); nothing changed and nothing was recorded.
/// </summary>
public sealed record LiquidationPlanResult(
    string PlanId,
    bool Accepted,
    string? Reason,
    string SettlementChain,
    string SettlementAsset,
    IReadOnlyList<PoolLiquidationPlan> Pools,
    bool Replayed = false);

/// <summary>What the plan of one pool does; amounts in base units (fees and losses in the settlement asset's).</summary>
public sealed record PoolLiquidationPlan(
    string Pool,
    [property: JsonConverter(typeof(FixedJsonConverter))] Fixed MaintHealthBefore,
    [property: JsonConverter(typeof(FixedJsonConverter))] Fixed LiquidationEndHealthAfter,
    IReadOnlyList<PlannedReduce> Reduces,
    IReadOnlyList<PlannedSeizure> Seizures,
    Int128 LiquidatorFeeUnits,
    Int128 InsuranceFeeUnits,
    PlannedBankruptcy? Bankruptcy);

/// <summary>A position closed into the backstop at the mark: absolute size, price, PnL + funding realized, fee split.</summary>
public sealed record PlannedReduce(
    string Market,
    [property: JsonConverter(typeof(FixedJsonConverter))] Fixed Size,
    [property: JsonConverter(typeof(FixedJsonConverter))] Fixed Price,
    Int128 RealizedUnits,
    Int128 LiquidatorFeeUnits,
    Int128 InsuranceFeeUnits);

/// <summary>
/// Collateral to seize on <paramref name="Chain"/> (the chain that holds it) under outbox decision
/// <paramref name="DecisionId"/>: reserved now, paid out by that chain's worker.
/// </summary>
public sealed record PlannedSeizure(
    string DecisionId,
    string Chain,
    string Asset,
    Int128 Units,
    Int128 ValueUnits,
    Int128 CreditUnits,
    Int128 LiquidatorFeeUnits,
    Int128 InsuranceFeeUnits);

/// <summary>A loss beyond the pool's collateral: what the planner expects the insurance fund and opposing positions to absorb.</summary>
public sealed record PlannedBankruptcy(Int128 LossUnits, Int128 InsuranceUnits, IReadOnlyList<SocializedShare> Socialized, Int128 UnallocatedUnits);

/// <summary>A part of a loss assigned to an opposing position (ranked by the Domain's ADL index).</summary>
public sealed record SocializedShare(string AccountId, string Market, Int128 Units);

/// <summary>The end of one seizure: <paramref name="Paid"/> (confirmed on chain) or failed (its units come back).</summary>
public sealed record ApplySeizureResult(string DecisionId, bool Paid);

/// <summary><paramref name="Applied"/> false only for a decision this account holds no seizure for (<paramref name="Reason"/>).</summary>
public sealed record SeizureResultApplied(string DecisionId, bool Applied, bool Paid, string? Reason, bool Replayed = false);

/// <summary>
/// Moves <paramref name="Units"/> of (chain, asset) between the cross pool and the isolated sub-account of
/// <paramref name="Market"/>: into it when <paramref name="IntoIsolated"/>, back to the cross pool otherwise.
/// Refused when the source pool does not hold it or its initial health would fall below zero.
/// </summary>
public sealed record MoveIsolatedCollateral(string CommandId, string Market, string Chain, string Asset, Int128 Units, bool IntoIsolated);

public sealed record IsolatedMoveResult(string CommandId, bool Accepted, string? Reason, bool Replayed = false);

/// <summary>An isolated sub-account as it stands: its market, balances, positions and health.</summary>
public sealed record IsolatedPoolView(string Market, IReadOnlyList<BalanceView> Balances, IReadOnlyList<PositionView> Positions, HealthView Health);
