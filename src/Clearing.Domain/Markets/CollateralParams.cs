using Clearing.Domain.Assets;
using Clearing.Domain.Numerics;

namespace Clearing.Domain.Markets;

/// <summary>
/// Risk parameters of one asset on one chain. Asset weights (≤ 1) discount a positive balance; liability
/// weights (≥ 1 in practice) inflate a negative one. Weights are ordered so that init ≤ liquidation-end ≤
/// maintenance: initAssetWeight ≤ maintAssetWeight and initLiabilityWeight ≥ maintLiabilityWeight.
/// </summary>
public sealed record CollateralParams
{
    public CollateralParams(
        AssetKey key,
        int decimals,
        Fixed initAssetWeight,
        Fixed maintAssetWeight,
        Fixed initLiabilityWeight,
        Fixed maintLiabilityWeight)
    {
        TokenAmounts.ValidateDecimals(decimals);
        if (initAssetWeight.IsNegative || maintAssetWeight.IsNegative || initLiabilityWeight.IsNegative || maintLiabilityWeight.IsNegative)
        {
            throw new ArgumentException($"{key}: weights must not be negative.");
        }

        if (initAssetWeight > maintAssetWeight)
        {
            throw new ArgumentException($"{key}: initial asset weight {initAssetWeight} exceeds maintenance asset weight {maintAssetWeight}.");
        }

        if (initLiabilityWeight < maintLiabilityWeight)
        {
            throw new ArgumentException($"{key}: initial liability weight {initLiabilityWeight} is below maintenance liability weight {maintLiabilityWeight}.");
        }

        Key = key;
        Decimals = decimals;
        InitAssetWeight = initAssetWeight;
        MaintAssetWeight = maintAssetWeight;
        InitLiabilityWeight = initLiabilityWeight;
        MaintLiabilityWeight = maintLiabilityWeight;
    }

    public AssetKey Key { get; }

    /// <summary>Decimals of the token on this chain (a bridged token may differ from its native decimals).</summary>
    public int Decimals { get; }

    public Fixed InitAssetWeight { get; }

    public Fixed MaintAssetWeight { get; }

    public Fixed InitLiabilityWeight { get; }

    public Fixed MaintLiabilityWeight { get; }

    /// <summary>
    /// Mango's deposit_weight_scale_start_quote, USD. When the value of a deposit exceeds it, the initial
    /// asset weight becomes weight × threshold / value, so the weighted contribution stops growing at
    /// weight × threshold. Applied per balance (the account's concentration in this asset on this chain),
    /// to initial health only. Null: no scaling.
    /// </summary>
    public Fixed? DepositWeightScaleStart { get; init; }

    /// <summary>Whether the ledger lets this balance go negative (the settlement asset). Health values a
    /// negative balance of any asset with its liability weight; this flag is what withdrawals and the
    /// liquidation planner respect.</summary>
    public bool MayGoNegative { get; init; }

    /// <summary>Asset weight for a health type; liquidation-end is the average of init and maint, rounded down.</summary>
    public Fixed AssetWeight(HealthType type) => type switch
    {
        HealthType.Init => InitAssetWeight,
        HealthType.Maint => MaintAssetWeight,
        _ => Fixed.FromRaw(Half(InitAssetWeight.Raw + MaintAssetWeight.Raw, Rounding.Down)),
    };

    /// <summary>Liability weight for a health type; liquidation-end is the average of init and maint, rounded up.</summary>
    public Fixed LiabilityWeight(HealthType type) => type switch
    {
        HealthType.Init => InitLiabilityWeight,
        HealthType.Maint => MaintLiabilityWeight,
        _ => Fixed.FromRaw(Half(InitLiabilityWeight.Raw + MaintLiabilityWeight.Raw, Rounding.Up)),
    };

    /// <summary>
    /// Health contribution (USD) of a balance of <paramref name="units"/> base units. Pure and
    /// allocation-free, for the risk book's tight loop.
    /// <list type="bullet">
    /// <item>positive: units × price.Low × assetWeight × chainHaircut, rounded down; zero for initial
    /// health when the price allows no new risk; initial weight scaled above <see cref="DepositWeightScaleStart"/>.</item>
    /// <item>negative: units × price.High × liabilityWeight, rounded down (a larger debt).</item>
    /// </list>
    /// </summary>
    /// <param name="chainHaircut">Multiplier in [0, 1] for the health of the chain holding the balance
    /// (<see cref="ChainHaircutPolicy"/>); applies to assets only — a debt is never discounted.</param>
    public static Fixed Contribution(Int128 units, CollateralParams p, in AdjustedPrice price, HealthType type, Fixed chainHaircut)
    {
        if (units > 0)
        {
            if (type == HealthType.Init && !price.AllowsNewRisk)
            {
                return Fixed.Zero;
            }

            return WeightedAsset(TokenAmounts.Value(units, price.Low, p.Decimals, Rounding.Down), p, type, chainHaircut);
        }

        if (units < 0)
        {
            return TokenAmounts.Value(units, price.High, p.Decimals, Rounding.Down).MulRoundDown(p.LiabilityWeight(type));
        }

        return Fixed.Zero;
    }

    /// <summary>The three contributions at once (the value is computed once); each equals
    /// <see cref="Contribution"/> for its health type.</summary>
    public static HealthTriple Contributions(Int128 units, CollateralParams p, in AdjustedPrice price, Fixed chainHaircut)
    {
        if (units > 0)
        {
            Fixed value = TokenAmounts.Value(units, price.Low, p.Decimals, Rounding.Down);
            return new HealthTriple(
                price.AllowsNewRisk ? WeightedAsset(value, p, HealthType.Init, chainHaircut) : Fixed.Zero,
                WeightedAsset(value, p, HealthType.LiquidationEnd, chainHaircut),
                WeightedAsset(value, p, HealthType.Maint, chainHaircut));
        }

        if (units < 0)
        {
            Fixed debt = TokenAmounts.Value(units, price.High, p.Decimals, Rounding.Down);
            return new HealthTriple(
                debt.MulRoundDown(p.InitLiabilityWeight),
                debt.MulRoundDown(p.LiabilityWeight(HealthType.LiquidationEnd)),
                debt.MulRoundDown(p.MaintLiabilityWeight));
        }

        return default;
    }

    private static Fixed WeightedAsset(Fixed value, CollateralParams p, HealthType type, Fixed chainHaircut)
    {
        if (type == HealthType.Init && p.DepositWeightScaleStart is { } start && value > start)
        {
            // weight × start / value applied to value = weight × start: the contribution caps there.
            value = start;
        }

        Fixed weighted = value.MulRoundDown(p.AssetWeight(type));
        return chainHaircut == Fixed.One ? weighted : weighted.MulRoundDown(chainHaircut);
    }

    private static Int128 Half(Int128 sum, Rounding rounding) =>
        rounding == Rounding.Down ? (sum >= 0 ? sum / 2 : (sum - 1) / 2) : (sum >= 0 ? (sum + 1) / 2 : sum / 2);
}
