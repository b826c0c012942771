using System.Text.Json.Serialization;
using Clearing.Domain.Numerics;
using Clearing.Grains.Accounts;
using Clearing.Grains.Serialization;

namespace Clearing.Grains.Risk;

/// <summary>The persisted state of one account's liquidation router: its liquidations, oldest first.</summary>
public sealed record LiquidationRouterState
{
    /// <summary>The number of liquidations started; the next one is <c>&lt;account&gt;:&lt;Sequence + 1&gt;</c>.</summary>
    public int Sequence { get; init; }

    public IReadOnlyList<LiquidationRecord> Liquidations { get; init; } = [];
}

/// <summary>
/// One liquidation: its steps across plan rounds (a failed seizure re-routed adds a round), what the insurance fund will
/// take in at completion, and whether a re-plan is owed (a seizure failed and the next round was not planned yet).
/// </summary>
public sealed record LiquidationRecord
{
    public required string Id { get; init; }

    /// <summary><c>executing</c> (a seizure in flight or a re-plan owed) or <c>completed</c>.</summary>
    public required string State { get; init; }

    public required DateTimeOffset PlannedAt { get; init; }

    public required string SettlementChain { get; init; }

    public required string SettlementAsset { get; init; }

    [JsonConverter(typeof(FixedJsonConverter))]
    public required Fixed MaintHealthBefore { get; init; }

    [JsonConverter(typeof(FixedJsonConverter))]
    public required Fixed LiquidationEndHealthAfter { get; init; }

    public IReadOnlyList<LiquidationStepRecord> Steps { get; init; } = [];

    /// <summary>Plan rounds after the first (re-routes).</summary>
    public int Rounds { get; init; }

    public bool ReplanOwed { get; init; }

    /// <summary>Bankruptcy losses of every round (settlement base units) and their planned socialization, best ranked first.</summary>
    public Int128 LossUnits { get; init; }

    public IReadOnlyList<SocializedShare> Socialized { get; init; } = [];

    [JsonIgnore]
    public bool Bankrupt => LossUnits > 0;

    [JsonIgnore]
    public bool IsCompleted => State == LiquidationStates.Completed;
}

/// <summary>
/// A step: <c>reduce</c> (applied when planned) or <c>seize</c> (executing → confirmed | failed). Amount: the absolute size
/// closed, or base units seized. <see cref="InsuranceFeeUnits"/>: the fund's share of its fee (settlement base units).
/// </summary>
public sealed record LiquidationStepRecord(
    string Kind,
    string Pool,
    string? Chain,
    string? Asset,
    string? Market,
    string Amount,
    string State,
    string? DecisionId,
    string? Transaction,
    Int128 InsuranceFeeUnits);

public static class LiquidationStates
{
    public const string Executing = "executing";
    public const string Completed = "completed";
    public const string Applied = "applied";
    public const string Confirmed = "confirmed";
    public const string Failed = "failed";
}
