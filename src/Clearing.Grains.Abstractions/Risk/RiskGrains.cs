using System.Text.Json.Serialization;
using Clearing.Actors;
using Clearing.Domain.Numerics;
using Clearing.Grains.Accounts;
using Clearing.Grains.Serialization;

namespace Clearing.Grains.Risk;

/// <summary>
/// The risk book of all accounts (one activation, key <see cref="NettingGrainKey.Book"/>). Account grains send it every
/// committed change of their exposures; it reads prices from the risk configuration on its scan timer, re-values only the
/// accounts exposed to what changed, and proposes each liquidatable account to that account's
/// <see cref="ILiquidationRouterGrain"/>. It only proposes: the account re-checks before anything moves.
/// </summary>
[GrainType("netting")]
public interface INettingGrain : IGrainWithStringKey
{
    /// <summary>
    /// Replaces the book's copy of one account (its cross pool and isolated sub-accounts) at <see cref="AccountExposure.Version"/>;
    /// older versions are ignored. Interleaves with a running scan: the scan waits on routers, whose accounts commit and
    /// send their update here (an in-memory change of the book, no await).
    /// </summary>
    [AlwaysInterleave]
    Task UpdateAccountAsync(AccountExposure exposure);

    /// <summary>Re-values at the current prices and proposes liquidations now (the timer does the same).</summary>
    Task<ScanResult> ScanAsync();

    /// <summary>Counts for operators: accounts, liquidatable ones, accounts per health bucket.</summary>
    [AlwaysInterleave]
    Task<RiskBookStats> GetStatsAsync();

    /// <summary>
    /// Every open position of the accounts other than <paramref name="excludedAccount"/> with its account's collateral
    /// value (USD): the opposing positions a bankrupt account's loss may be socialized over (the Domain ranks them).
    /// Interleaves with a running scan (a router asks while the scan waits on it).
    /// </summary>
    [AlwaysInterleave]
    Task<IReadOnlyList<AdlCandidateView>> GetAdlCandidatesAsync(string excludedAccount);
}

public static class NettingGrainKey
{
    public const string Book = "book";
}

/// <summary>
/// An account's exposures as its grain committed them. <paramref name="StateJson"/> is the account grain's own state
/// document (what the netting grain needs to rebuild the Domain's <c>MarginAccount</c>); <paramref name="Version"/> its
/// state version, so an update that arrives late never overwrites a newer one.
/// </summary>
public sealed record AccountExposure(string AccountId, long Version, string StateJson);

/// <summary>One scan: how many accounts were re-valued, which were liquidatable, which were proposed to their router.</summary>
public sealed record ScanResult(int Revalued, IReadOnlyList<string> Liquidatable, IReadOnlyList<string> Proposed);

/// <summary>
/// Accounts by maintenance health ratio bucket (bucket name → count; names are stable labels such as "lt_0", "0_10",
/// "10_25", "25_50", "50_100", "ge_100" in percent) and the liquidatable count.
/// </summary>
public sealed record RiskBookStats(int Accounts, int Liquidatable, IReadOnlyDictionary<string, int> HealthBuckets);

/// <summary>
/// Liquidations of one account (key = the account id). <see cref="RouteAsync"/> asks the account grain to re-check and
/// plan with the Domain's planner; the router writes one outbox action <c>seize</c> per seizure on the chain that holds
/// the collateral, follows each to its end (<see cref="SettleSeizureAsync"/>, called by that chain's worker), re-routes a
/// failed seizure to other collateral, and applies the result to the account.
/// </summary>
[GrainType("liquidation-router")]
public interface ILiquidationRouterGrain : IGrainWithStringKey
{
    /// <summary>A proposal (scanner or operator). Returns the liquidation started or already running, or why none was.</summary>
    Task<RouteResult> RouteAsync(LiquidationProposal proposal);

    /// <summary>The final outcome of one <c>seize</c> outbox action. Idempotent on the decision id.</summary>
    Task<SeizureSettlement> SettleSeizureAsync(SettleSeizure command);

    /// <summary>This account's liquidations, newest first.</summary>
    Task<IReadOnlyList<LiquidationView>> GetLiquidationsAsync();
}

/// <summary>Who proposed (<c>scanner</c> or <c>operator:&lt;name&gt;</c>) and why.</summary>
public sealed record LiquidationProposal(string ProposedBy, string Reason);

/// <summary><paramref name="Started"/>: a liquidation runs (new or already running, <paramref name="LiquidationId"/>); otherwise <paramref name="Reason"/> (e.g. the account is healthy on re-check).</summary>
public sealed record RouteResult(bool Started, string? LiquidationId, string? Reason);

/// <summary>
/// The end of one seizure's outbox action: <paramref name="Paid"/> when confirmed on chain in <paramref name="Transaction"/>,
/// otherwise failed (<paramref name="Reason"/>).
/// </summary>
public sealed record SettleSeizure(string DecisionId, bool Paid, string? Transaction, string? Reason);

public sealed record SeizureSettlement(string DecisionId, bool Applied, string? Reason, bool Replayed = false);

/// <summary>
/// A liquidation as members and operators see it. <paramref name="State"/>: <c>planned</c> → <c>executing</c> →
/// <c>completed</c> (or <c>rerouted</c> steps inside); fees and values in USD.
/// </summary>
public sealed record LiquidationView(
    string LiquidationId,
    string State,
    DateTimeOffset PlannedAt,
    IReadOnlyList<LiquidationStepView> Steps,
    [property: JsonConverter(typeof(FixedJsonConverter))] Fixed MaintHealthBefore,
    [property: JsonConverter(typeof(FixedJsonConverter))] Fixed LiquidationEndHealthAfter,
    bool Bankrupt);

/// <summary>
/// One action of a liquidation: <paramref name="Kind"/> <c>seize</c> (chain, asset, base units, outbox decision id and,
/// once confirmed, the chain transaction) or <c>reduce</c> (market, size). <paramref name="State"/>: <c>planned</c>,
/// <c>executing</c>, <c>confirmed</c>, <c>failed</c>, <c>applied</c>.
/// </summary>
public sealed record LiquidationStepView(
    string Kind,
    string? Chain,
    string? Asset,
    string? Market,
    string Amount,
    string State,
    string? DecisionId,
    string? Transaction,
    string? Pool = null);

/// <summary>The insurance fund (one activation, key <see cref="InsuranceFundKey.Fund"/>): balances per (chain, asset) in base units and USD losses absorbed or socialized.</summary>
[GrainType("insurance-fund")]
public interface IInsuranceFundGrain : IGrainWithStringKey
{
    Task<InsuranceFundView> GetAsync();

    /// <summary>
    /// A completed liquidation's part for the fund, once per liquidation id: its insurance fees come in, then its loss is
    /// absorbed up to the fund's balance and the rest is socialized over the ranked opposing positions.
    /// </summary>
    Task<InsuranceSettlementResult> SettleLiquidationAsync(InsuranceSettlement settlement);
}

/// <summary>
/// What a completed liquidation owes or brings the fund, in base units of the settlement asset (chain, asset):
/// <paramref name="FeeUnits"/> insurance fees of its applied steps, <paramref name="LossUnits"/> the bankruptcy loss, and
/// the ranked opposing positions (<paramref name="Socialized"/>, best first) over which a loss beyond the fund is spread.
/// </summary>
public sealed record InsuranceSettlement(string LiquidationId, string Account, string Chain, string Asset, Int128 FeeUnits, Int128 LossUnits, IReadOnlyList<SocializedShare> Socialized);

/// <summary>The fund's answer: fee taken in, loss absorbed, loss socialized (base units).</summary>
public sealed record InsuranceSettlementResult(string LiquidationId, Int128 FeeUnits, Int128 AbsorbedUnits, Int128 SocializedUnits, bool Replayed = false);

public static class InsuranceFundKey
{
    public const string Fund = "fund";
}

public sealed record InsuranceFundView(
    IReadOnlyList<InsuranceBalanceView> Balances,
    [property: JsonConverter(typeof(FixedJsonConverter))] Fixed LossesAbsorbedUsd,
    [property: JsonConverter(typeof(FixedJsonConverter))] Fixed LossesSocializedUsd);

public sealed record InsuranceBalanceView(string Chain, string Asset, Int128 Units);

/// <summary>
/// The outbox action a router writes per seizure: kind <see cref="Kind"/>, payload this record as JSON (default
/// options, PascalCase names), <paramref name="Units"/> as a base-unit integer in text. The chain's worker pays it from
/// the vault to that chain's configured liquidation receiver (EVM: the vault's <c>seize</c>; Solana: a transfer out of
/// the vault token account) and reports the end through <see cref="ILiquidationRouterGrain.SettleSeizureAsync"/>.
/// </summary>
public sealed record SeizeAction(string Account, string LiquidationId, string Chain, string Asset, string Units)
{
    public const string Kind = "seize";
}
