using System.Collections.Immutable;
using Clearing.Domain.Assets;
using Clearing.Domain.Numerics;

namespace Clearing.Domain.Liquidation;

/// <summary>Order in which the planner seizes collateral.</summary>
public enum CollateralPolicy
{
    /// <summary>The lowest liquidation-end asset weight first (the riskiest collateral leaves first).</summary>
    LowestWeightFirst,

    /// <summary>The largest value first (fewest actions).</summary>
    LargestFirst,

    /// <summary>The cheapest chain to execute on first (<see cref="LiquidationConfig.ChainCosts"/>).</summary>
    CheapestChainFirst,
}

/// <summary>
/// Liquidation parameters. Fees are a fraction of the notional closed (<see cref="PositionPenalty"/>) or of
/// the value seized (<see cref="CollateralPenalty"/>); each fee is split: <see cref="LiquidatorShare"/> to the
/// liquidator, the rest to the insurance fund. The share must be below 1, which is what makes
/// self-liquidation unprofitable.
/// </summary>
public sealed record LiquidationConfig
{
    public LiquidationConfig(Fixed buffer, Fixed positionPenalty, Fixed collateralPenalty, Fixed liquidatorShare, CollateralPolicy policy, Fixed dustValue)
    {
        if (buffer.IsNegative || dustValue.IsNegative)
        {
            throw new ArgumentException("Buffer and dust value must not be negative.");
        }

        if (positionPenalty.IsNegative || positionPenalty >= Fixed.One || collateralPenalty.IsNegative || collateralPenalty >= Fixed.One)
        {
            throw new ArgumentException("Penalties must be within [0, 1).");
        }

        if (liquidatorShare.IsNegative || liquidatorShare >= Fixed.One)
        {
            throw new ArgumentException("The liquidator's share of a fee must be within [0, 1): the insurance fund always keeps a part.");
        }

        Buffer = buffer;
        PositionPenalty = positionPenalty;
        CollateralPenalty = collateralPenalty;
        LiquidatorShare = liquidatorShare;
        Policy = policy;
        DustValue = dustValue;
    }

    /// <summary>USD that liquidation-end health must reach above zero.</summary>
    public Fixed Buffer { get; }

    public Fixed PositionPenalty { get; }

    public Fixed CollateralPenalty { get; }

    public Fixed LiquidatorShare { get; }

    public CollateralPolicy Policy { get; }

    /// <summary>USD: a position or balance whose remainder would be worth less than this is taken whole.</summary>
    public Fixed DustValue { get; }

    /// <summary>Execution cost per chain (any unit, compared only) for <see cref="CollateralPolicy.CheapestChainFirst"/>;
    /// a chain not listed costs zero.</summary>
    public ImmutableDictionary<ChainId, Fixed> ChainCosts { get; init; } = ImmutableDictionary<ChainId, Fixed>.Empty;
}

/// <summary>One step of a plan. Money amounts are in base units of the settlement asset.</summary>
public abstract record LiquidationAction
{
    /// <summary>Fee charged to the account for this step = <see cref="LiquidatorFeeUnits"/> + <see cref="InsuranceFeeUnits"/>.</summary>
    public Int128 FeeUnits => LiquidatorFeeUnits + InsuranceFeeUnits;

    public required Int128 LiquidatorFeeUnits { get; init; }

    public required Int128 InsuranceFeeUnits { get; init; }
}

/// <summary>
/// Close <see cref="SizeClosed"/> (absolute) of the position in <see cref="Market"/> into the backstop at the
/// mark price: funding is settled and PnL realized into the settlement balance (<see cref="RealizedUnits"/>),
/// then the penalty (mark × size × penalty) is charged as the fee.
/// </summary>
public sealed record ReducePosition(string Market, Fixed SizeClosed, Fixed Price, Int128 RealizedUnits) : LiquidationAction;

/// <summary>
/// Seize <see cref="Units"/> of the asset at <see cref="Collateral"/> (executed on that chain), valued at the
/// price − confidence <see cref="Price"/>: worth <see cref="ValueUnits"/> settlement units, of which
/// <see cref="CreditUnits"/> are credited to the account's settlement balance and the rest is the fee.
/// Conservation: ValueUnits = CreditUnits + LiquidatorFeeUnits + InsuranceFeeUnits.
/// </summary>
public sealed record SeizeCollateral(AssetKey Collateral, Int128 Units, Fixed Price, Int128 ValueUnits, Int128 CreditUnits) : LiquidationAction;

/// <summary>An opposing position that may absorb a bankrupt account's loss (auto-deleveraging).</summary>
public readonly record struct AdlCandidate(string AccountId, string Market, Fixed Size, Fixed EntryPrice, Fixed AccountValue);

/// <summary>Loss assigned to one opposing position, with its ranking index.</summary>
public readonly record struct SocializedLoss(string AccountId, string Market, Int128 Units, Fixed RankingIndex);

/// <summary>
/// The loss beyond the account's collateral (settlement units): insurance fund first, then the ranked
/// opposing positions up to each one's unrealized profit. Loss = Insurance + Σ socialized + Unallocated;
/// Unallocated is non-zero only when the candidates' profits cannot cover the rest.
/// </summary>
public sealed record Bankruptcy(Int128 LossUnits, Int128 InsuranceUnits, ImmutableArray<SocializedLoss> Socialized, Int128 UnallocatedUnits)
{
    public Int128 SocializedUnits => Socialized.Aggregate(Int128.Zero, (sum, s) => sum + s.Units);
}

/// <summary>A plan for one pool (cross or isolated). Apply it with <see cref="LiquidationPlanner.Apply"/>.</summary>
public sealed record LiquidationPlan(string SubAccountId, ImmutableArray<LiquidationAction> Actions, Bankruptcy? Bankruptcy, Fixed MaintHealthBefore, Fixed LiquidationEndHealthBefore, Fixed LiquidationEndHealthAfter)
{
    public bool IsBankrupt => Bankruptcy is not null;

    public Int128 LiquidatorFeeUnits => Actions.Aggregate(Int128.Zero, (sum, a) => sum + a.LiquidatorFeeUnits);

    public Int128 InsuranceFeeUnits => Actions.Aggregate(Int128.Zero, (sum, a) => sum + a.InsuranceFeeUnits);
}
