using System.Runtime.CompilerServices;
using Clearing.Domain.Markets;
using Clearing.Domain.Numerics;

namespace Clearing.Domain.RiskBook;

/// <summary>
/// One exact step of a balance valuation on magnitudes: x ↦ x × <see cref="Multiplier"/> / <see cref="Divisor"/>,
/// rounded down (an asset) or up (the magnitude of a debt). Multiplier and divisor are a price, weight or haircut
/// over its scale (10^decimals or 10^18) reduced to lowest terms, which gives the same quotient: the rational
/// number is the same. A divisor of 1 makes the step a plain multiplication.
/// </summary>
internal readonly struct RationalStep
{
    public RationalStep(UInt128 multiplier, ulong divisor)
    {
        ulong gcd = Gcd(multiplier, divisor);
        Multiplier = multiplier / gcd;
        _divisor = new InvariantDivisor(divisor / gcd);
    }

    private readonly InvariantDivisor _divisor;

    public UInt128 Multiplier { get; }

    public ulong Divisor => _divisor.Value;

    /// <summary>The caller guarantees x × Multiplier &lt; 2^127 (<see cref="BalanceSide.MaxUnits"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public UInt128 Apply(UInt128 x, bool roundUp)
    {
        UInt128 product = MultiplyLow(x, Multiplier);
        return Divisor == 1 ? product : Divide(product, roundUp);
    }

    /// <summary>The low 128 bits of x × m (all of it on the fast path, where the product stays below 2^127),
    /// written out: in a large method the JIT calls UInt128's operator instead of inlining it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static UInt128 MultiplyLow(UInt128 x, UInt128 m)
    {
        ulong xLow = (ulong)x, mLow = (ulong)m;
        ulong high = Math.BigMul(xLow, mLow, out ulong low);
        high += ((ulong)(x >> 64) * mLow) + (xLow * (ulong)(m >> 64));
        return new UInt128(high, low);
    }

    private UInt128 Divide(UInt128 product, bool roundUp)
    {
        UInt128 quotient = _divisor.DivRem(product, out ulong remainder);
        return roundUp && remainder != 0 ? quotient + 1 : quotient;
    }

    /// <summary>The two steps as one when the first divides by 1: floor(floor(x·a)·b/d) = floor(x·(a·b)/d), exactly.
    /// False when the product of the multipliers would not stay below 2^127.</summary>
    public static bool TryMerge(RationalStep first, RationalStep second, out RationalStep merged)
    {
        merged = default;
        if (first.Divisor != 1 || (first.Multiplier != 0 && second.Multiplier > Limit / first.Multiplier))
        {
            return false;
        }

        merged = new RationalStep(first.Multiplier * second.Multiplier, second.Divisor);
        return true;
    }

    /// <summary>2^127 − 1: every multiplier, product and intermediate of the fast path stays below it.</summary>
    internal static readonly UInt128 Limit = (UInt128)Int128.MaxValue;

    private static ulong Gcd(UInt128 a, ulong b)
    {
        ulong x = b;
        ulong y = (ulong)(a % b);
        while (y != 0)
        {
            (x, y) = (y, x % y);
        }

        return x;
    }
}

/// <summary>Up to three <see cref="RationalStep"/>s applied in order (value, weight, chain haircut, with
/// leading steps that divide by 1 merged into the next).</summary>
internal readonly struct StepChain
{
    private readonly RationalStep _first;
    private readonly RationalStep _second;
    private readonly RationalStep _third;
    private readonly int _count;

    public StepChain(ReadOnlySpan<RationalStep> steps)
    {
        Span<RationalStep> merged = stackalloc RationalStep[3];
        var count = 0;
        Growth = 1;
        foreach (var step in steps)
        {
            // Over the steps as the domain runs them (before merging): every intermediate it computes stays
            // below x × Growth. A multiplier below 1 (zero) does not shrink what came before it.
            Growth = SaturatingProduct(Growth, UInt128.Max(step.Multiplier, 1));
            if (count > 0 && RationalStep.TryMerge(merged[count - 1], step, out var both))
            {
                merged[count - 1] = both;
            }
            else
            {
                merged[count++] = step;
            }
        }

        _first = merged[0];
        _second = merged[1];
        _third = merged[2];
        _count = count;
    }

    /// <summary>Product of the steps' multipliers, each at least 1, before merging (saturating at 2^127): no
    /// intermediate of this chain or of the domain's computation exceeds x × Growth (+1 per rounding up).</summary>
    public UInt128 Growth { get; }

    [MethodImpl(MethodImplOptions.NoInlining)] // one call per health type keeps the caller small enough to inline its own operators
    public UInt128 Apply(UInt128 x, bool roundUp)
    {
        if (_count > 0)
        {
            x = _first.Apply(x, roundUp);
            if (_count > 1)
            {
                x = _second.Apply(x, roundUp);
                if (_count > 2)
                {
                    x = _third.Apply(x, roundUp);
                }
            }
        }

        return x;
    }

    internal static UInt128 SaturatingProduct(UInt128 a, UInt128 b) =>
        a != 0 && b > RationalStep.Limit / a ? RationalStep.Limit : a * b;
}

/// <summary>
/// The valuation of one sign of a slot's balances (assets, or debts) as exact rational steps. Per health type:
/// value = units × price / 10^decimals, then × weight / 10^18, then (assets) × haircut / 10^18, each rounded as
/// <see cref="CollateralParams.Contributions"/> rounds it. When the value step divides by 1 (a price with no more
/// decimals than the token) it is merged into each health type's chain; otherwise the value is computed once.
/// </summary>
internal readonly struct BalanceSide
{
    public BalanceSide(RationalStep value, RationalStep initWeight, RationalStep liquidationEndWeight, RationalStep maintWeight, RationalStep? haircut, bool valueNeeded)
    {
        Shared = valueNeeded || value.Divisor != 1;
        Value = value;
        Init = Chain(Shared, value, initWeight, haircut);
        LiquidationEnd = Chain(Shared, value, liquidationEndWeight, haircut);
        Maint = Chain(Shared, value, maintWeight, haircut);
        UInt128 growth = UInt128.Max(Init.Growth, UInt128.Max(LiquidationEnd.Growth, Maint.Growth));
        if (Shared)
        {
            growth = StepChain.SaturatingProduct(growth, UInt128.Max(value.Multiplier, 1));
        }

        // Every intermediate stays below units × growth (divisions only shrink; rounding up adds at most 1 per
        // step): below 2^125 nothing can overflow on this path nor on the domain's.
        MaxUnits = ((UInt128)1 << 125) / UInt128.Max(growth, 1);
        Fast = true;
    }

    /// <summary>False: every balance of this side takes the domain's path.</summary>
    public bool Fast { get; }

    /// <summary>Largest magnitude of units this side values (larger ones take the domain's path).</summary>
    public UInt128 MaxUnits { get; }

    /// <summary>True: <see cref="Value"/> runs once and the chains start from the value; false: the chains start
    /// from the units (the value step is merged into them).</summary>
    public bool Shared { get; }

    public readonly RationalStep Value;

    public readonly StepChain Init;

    public readonly StepChain LiquidationEnd;

    public readonly StepChain Maint;

    private static StepChain Chain(bool shared, RationalStep value, RationalStep weight, RationalStep? haircut)
    {
        Span<RationalStep> steps = stackalloc RationalStep[3];
        var count = 0;
        if (!shared)
        {
            steps[count++] = value;
        }

        steps[count++] = weight;
        if (haircut is { } h)
        {
            steps[count++] = h;
        }

        return new StepChain(steps[..count]);
    }
}

/// <summary>
/// Everything price-dependent about one collateral slot, resolved once per tick, so that a balance costs a few
/// multiplications (and divisions by invariant divisors) instead of the domain's four to seven 256-bit
/// <see cref="WideMath.MulDiv"/> calls. Results are those of <see cref="CollateralParams.Contributions"/> bit for
/// bit (tests compare both on random and edge inputs); a slot or balance outside the fast path's bounds is
/// valued by the domain's function itself.
/// </summary>
internal readonly struct SlotFactors
{
    public SlotFactors(CollateralParams p, in AdjustedPrice price, Fixed haircut)
    {
        ulong scale = (ulong)Fixed.Scale;
        ulong unitScale = (ulong)Fixed.PowerOfTen(p.Decimals);
        AllowsNewRisk = price.AllowsNewRisk;
        Fixed? start = p.DepositWeightScaleStart;
        Scales = start is not null;
        ScaleStart = start is { } s && !s.IsNegative ? (UInt128)s.Raw : 0;

        // Negative prices, weights or haircuts do not occur (validated or documented ranges); if one did, the
        // rounding of a signed product would differ from rounding a magnitude, so such a slot stays generic.
        if (!price.Low.IsNegative && !haircut.IsNegative && start is not { IsNegative: true })
        {
            Asset = new BalanceSide(
                new RationalStep((UInt128)price.Low.Raw, unitScale),
                new RationalStep((UInt128)p.AssetWeight(HealthType.Init).Raw, scale),
                new RationalStep((UInt128)p.AssetWeight(HealthType.LiquidationEnd).Raw, scale),
                new RationalStep((UInt128)p.AssetWeight(HealthType.Maint).Raw, scale),
                haircut == Fixed.One ? null : new RationalStep((UInt128)haircut.Raw, scale),
                valueNeeded: Scales);
        }

        if (!price.High.IsNegative)
        {
            Debt = new BalanceSide(
                new RationalStep((UInt128)price.High.Raw, unitScale),
                new RationalStep((UInt128)p.LiabilityWeight(HealthType.Init).Raw, scale),
                new RationalStep((UInt128)p.LiabilityWeight(HealthType.LiquidationEnd).Raw, scale),
                new RationalStep((UInt128)p.LiabilityWeight(HealthType.Maint).Raw, scale),
                null,
                valueNeeded: false);
        }
    }

    public bool AllowsNewRisk { get; }

    public bool Scales { get; }

    public UInt128 ScaleStart { get; }

    // Fields, not properties: the kernel reads them by reference (a property would copy ~0.5 KB per balance).
    public readonly BalanceSide Asset;

    public readonly BalanceSide Debt;
}

internal static class BalanceKernel
{
    /// <summary><see cref="CollateralParams.Contributions"/>, through the slot's precomputed steps when the
    /// balance is within their bounds, through the domain's function otherwise.</summary>
    public static HealthTriple Contributions(Int128 units, in SlotFactors f, CollateralParams p, in AdjustedPrice price, Fixed haircut) =>
        TryContributions(units, in f, out HealthTriple contributions) ? contributions : CollateralParams.Contributions(units, p, price, haircut);

    /// <summary>The contributions through the precomputed steps; false (and nothing computed) when the balance
    /// is outside their bounds, for the caller to run <see cref="CollateralParams.Contributions"/>.</summary>
    /// <remarks>Split into one small method per sign: in one large method the JIT stops inlining the Int128 and
    /// UInt128 operators (each became a call).</remarks>
    public static bool TryContributions(Int128 units, in SlotFactors f, out HealthTriple contributions)
    {
        if (units > 0)
        {
            return TryAsset((UInt128)units, in f, out contributions);
        }

        if (units < 0 && units != Int128.MinValue)
        {
            return TryDebt((UInt128)(-units), in f, out contributions);
        }

        contributions = default;
        return units == 0;
    }

    private static bool TryAsset(UInt128 magnitude, in SlotFactors f, out HealthTriple contributions)
    {
        ref readonly BalanceSide side = ref f.Asset;
        if (!side.Fast || magnitude > side.MaxUnits)
        {
            contributions = default;
            return false;
        }

        UInt128 value = side.Shared ? side.Value.Apply(magnitude, roundUp: false) : magnitude;
        UInt128 init = 0;
        if (f.AllowsNewRisk)
        {
            init = side.Init.Apply(f.Scales && value > f.ScaleStart ? f.ScaleStart : value, roundUp: false);
        }

        contributions = new HealthTriple(
            Fixed.FromRaw((Int128)init),
            Fixed.FromRaw((Int128)side.LiquidationEnd.Apply(value, roundUp: false)),
            Fixed.FromRaw((Int128)side.Maint.Apply(value, roundUp: false)));
        return true;
    }

    private static bool TryDebt(UInt128 magnitude, in SlotFactors f, out HealthTriple contributions)
    {
        ref readonly BalanceSide side = ref f.Debt;
        if (!side.Fast || magnitude > side.MaxUnits)
        {
            contributions = default;
            return false;
        }

        UInt128 debt = side.Shared ? side.Value.Apply(magnitude, roundUp: true) : magnitude;
        contributions = new HealthTriple(
            Fixed.FromRaw(-(Int128)side.Init.Apply(debt, roundUp: true)),
            Fixed.FromRaw(-(Int128)side.LiquidationEnd.Apply(debt, roundUp: true)),
            Fixed.FromRaw(-(Int128)side.Maint.Apply(debt, roundUp: true)));
        return true;
    }
}
