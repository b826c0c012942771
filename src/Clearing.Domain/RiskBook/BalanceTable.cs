using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Clearing.Domain.Markets;
using Clearing.Domain.Numerics;

namespace Clearing.Domain.RiskBook;

/// <summary>
/// One sign of one collateral slot (its assets, or its debts) valued through a table rebuilt on each tick of the
/// slot: a balance split as Q·M + R costs one multiplication and one table read per health type.
/// <para>
/// Why it is exact: per health type the domain applies up to three steps x ↦ ⌊x·a/b⌋ (⌈⌉ for a debt's magnitude) —
/// value (price / 10^decimals), weight, chain haircut — each a fraction reduced to lowest terms. Let M be a common
/// multiple of every health type's product of denominators b₁·b₂·b₃. Writing units u = Q·M + R (R &lt; M), each step
/// maps the multiple of M to a whole number exactly, so the rounded chain gives
/// f(u) = Q·A + f(R) with A = M·a₁a₂a₃ / (b₁b₂b₃). A holds per health type, f(R) for every R &lt; M is the table.
/// With oracle-style prices (a few decimals) and weights and haircuts of a few decimals M stays small.
/// </para>
/// <para>
/// When M is too large for a table (an 18-decimal token priced to 10^-8: the value step alone needs 10^8) but the
/// weights' and haircut's part L = b_haircut · lcm(b_weights) is small, the table covers that part only (two levels):
/// f(R) = g(v) with v = ⌊R·a₁/b₁⌋ the value of the remainder and g the weight and haircut steps, and g(v) = Q'·B + g(R')
/// for v = Q'·L + R' by the same argument — one invariant division and one division by multiplication per balance.
/// A slot whose L or M exceeds the bounds, or whose products do not fit, has no table and its balances take
/// <see cref="BalanceKernel"/> (and the domain's function beyond that kernel's bounds).
/// </para>
/// <para>
/// The book keeps every balance split as (Q, R) by the table's modulus, so a revaluation with one level divides
/// nothing. The modulus
/// stays while it is a multiple of what the parameters need (a price with fewer decimals needs a divisor of it), so the
/// splits change only when a tick needs a new factor; <see cref="Rebuild"/> says when.
/// </para>
/// </summary>
internal sealed class BalanceTable
{
    /// <summary>Largest modulus tabled: 16,384 remainders × 3 health types × 8 bytes = 384 KB at most per slot and sign.</summary>
    public const ulong MaxModulus = 16_384;

    /// <summary>Largest modulus balances are split by with two levels (the value step's divisor times the table's):
    /// 2^40, so a remainder fits the 40 bits <see cref="BalanceSplit"/> keeps.</summary>
    public const ulong MaxSplitModulus = 1UL << 40;

    private static readonly UInt128 ContributionLimit = (UInt128)1 << 118;

    // f(R) of the three health types for every remainder R, three values per R.
    private ulong[] _remainders = [];
    private ulong _modulus;

    // A per health type.
    private ulong _init;
    private ulong _liquidationEnd;
    private ulong _maint;

    // Two levels: the value step a₁/b₁, the table's modulus L and B = L·(weight·haircut) per health type.
    private bool _twoLevels;
    private bool _roundUp;
    private ulong _valueMultiplier;
    private InvariantDivisor _valueDivisor;
    private ulong _weightsModulus;

    // v / L for v < 2^63 by a multiplication: ⌊2v·m / 2^64⌋ >> k with k = ⌈log2 L⌉ and m = ⌈2^(63+k) / L⌉ < 2^64 is
    // exact because v·(m·L − 2^(63+k)) < 2^63·L ≤ 2^(63+k) (Granlund and Montgomery, "Division by invariant integers
    // using multiplication", 1994).
    private ulong _weightsReciprocal;
    private int _weightsShift;
    private ulong _initPerModulus;
    private ulong _liquidationEndPerModulus;
    private ulong _maintPerModulus;
    private ulong _maxQuotient;

    /// <summary>False: the slot's parameters do not fit a table; every balance of this sign takes the other paths.</summary>
    public bool Ready { get; private set; }

    /// <summary>The modulus M of the last rebuild (1 when every step's denominator is 1).</summary>
    public ulong Modulus => Ready ? _modulus : 0;

    /// <summary>Largest magnitude of units the table values: Q below 2^64 and every contribution below 2^118.</summary>
    public UInt128 MaxUnits => Ready ? ((UInt128)_maxQuotient * _modulus) + (_modulus - 1) : 0;

    /// <summary>Rebuilds for the slot's current price and haircut; the array is reused when large enough, so a
    /// tick allocates only when the modulus grows.</summary>
    /// <param name="debt">True: the table of negative balances (price.High, liability weights, no haircut, rounded
    /// up in magnitude); false: of positive balances (price.Low, asset weights, the chain haircut, rounded down).</param>
    /// <returns>True when balances split by the previous table must be split again (the modulus changed, or the
    /// table became ready or unready).</returns>
    public bool Rebuild(CollateralParams p, in AdjustedPrice price, Fixed haircut, bool debt)
    {
        bool wasReady = Ready;
        ulong previous = Modulus;
        Build(p, in price, haircut, debt, previous);
        return Ready != wasReady || (Ready && Modulus != previous);
    }

    /// <summary>Q and R of a magnitude of units by the modulus; false when the table is not ready or the units are beyond its bound.</summary>
    public bool TrySplit(UInt128 magnitude, out ulong quotient, out ulong remainder)
    {
        quotient = 0;
        remainder = 0;
        if (!Ready || magnitude > MaxUnits)
        {
            return false;
        }

        quotient = (ulong)(magnitude / _modulus);
        remainder = (ulong)(magnitude % _modulus);
        return true;
    }

    /// <summary>True when the table covers only the weights and haircut (see the class remarks).</summary>
    public bool TwoLevels => Ready && _twoLevels;

    private void Build(CollateralParams p, in AdjustedPrice price, Fixed haircut, bool debt, ulong previousModulus)
    {
        Ready = false;
        Fixed unitPrice = debt ? price.High : price.Low;
        if (unitPrice.IsNegative || haircut.IsNegative || (!debt && p.DepositWeightScaleStart is not null))
        {
            // Scaled deposit weights cap the value before the weight: not a fixed chain of steps.
            return;
        }

        var value = new RationalStep((UInt128)unitPrice.Raw, (ulong)Fixed.PowerOfTen(p.Decimals));
        RationalStep? chainHaircut = debt || haircut == Fixed.One ? null : new RationalStep((UInt128)haircut.Raw, (ulong)Fixed.Scale);
        Span<RationalStep> weights = stackalloc RationalStep[3];
        for (var type = 0; type < 3; type++)
        {
            var weight = debt ? p.LiabilityWeight((HealthType)type) : p.AssetWeight((HealthType)type);
            if (weight.IsNegative)
            {
                return;
            }

            weights[type] = new RationalStep((UInt128)weight.Raw, (ulong)Fixed.Scale);
        }

        // L = b_haircut · lcm(b_weight of each health type); M = b_value · L.
        UInt128 weightsModulus = chainHaircut?.Divisor ?? 1;
        UInt128 weightLcm = 1;
        foreach (var weight in weights)
        {
            weightLcm = weightLcm / Gcd(weightLcm, weight.Divisor) * weight.Divisor;
            if (weightLcm > MaxModulus)
            {
                return;
            }
        }

        weightsModulus *= weightLcm;
        UInt128 needed = weightsModulus * value.Divisor;
        if (weightsModulus > MaxModulus || needed > MaxSplitModulus)
        {
            return;
        }

        // Keep the previous modulus when it is a multiple of the one needed (no balance needs splitting again), or
        // take the least common multiple of both when that stays within the bound of the same number of levels
        // (prices moving between, say, one and two decimals then settle on one modulus).
        UInt128 modulus = needed;
        UInt128 bound = needed <= MaxModulus ? MaxModulus : MaxSplitModulus;
        if (previousModulus != 0)
        {
            UInt128 common = previousModulus / Gcd(previousModulus, needed) * needed;
            if (common <= bound)
            {
                modulus = common;
            }
        }

        _twoLevels = modulus > MaxModulus;
        _roundUp = debt;

        // A per health type, and the largest prefix product (the domain's intermediate values stay below Q × that).
        var m = (ulong)modulus;
        Span<ulong> multipliers = stackalloc ulong[3];
        UInt128 largest = 1;
        if (!TryScale(m, value, out UInt128 valued))
        {
            return;
        }

        largest = UInt128.Max(largest, valued);
        var zeroInit = !debt && !price.AllowsNewRisk;
        for (var type = 0; type < 3; type++)
        {
            if (!TryScale(valued, weights[type], out UInt128 weighted) || (chainHaircut is { } h && !TryScale(weighted, h, out weighted)))
            {
                return;
            }

            if (weighted > ulong.MaxValue)
            {
                return;
            }

            largest = UInt128.Max(largest, weighted);
            multipliers[type] = type == 0 && zeroInit ? 0 : (ulong)weighted;
        }

        if (_twoLevels && !TryPrepareTwoLevels(m, (ulong)weightsModulus, value, weights, chainHaircut, valued, zeroInit))
        {
            return;
        }

        // The table: f(R) for R < M (one level) or g(R') for R' < L (two levels) through the same steps and roundings
        // as the domain. Every step is monotone and exact on the modulus itself, so each intermediate is at most the
        // prefix product TryScale bounded for it.
        var entries = _twoLevels ? (ulong)weightsModulus : m;
        if (_remainders.Length < 3 * (int)entries)
        {
            _remainders = new ulong[3 * (int)entries];
        }

        for (ulong r = 0; r < entries; r++)
        {
            UInt128 v = _twoLevels ? r : Step(r, value, debt);
            for (var type = 0; type < 3; type++)
            {
                UInt128 x = Step(v, weights[type], debt);
                if (chainHaircut is { } h)
                {
                    x = Step(x, h, debt);
                }

                if (x > ulong.MaxValue)
                {
                    return;
                }

                _remainders[(3 * (int)r) + type] = type == 0 && zeroInit ? 0 : (ulong)x;
            }
        }

        UInt128 maxQuotient = (ContributionLimit - ((UInt128)1 << 64) - 1) / UInt128.Max(largest, 1);
        _maxQuotient = (ulong)UInt128.Min(maxQuotient, ulong.MaxValue);
        _modulus = m;
        _init = multipliers[0];
        _liquidationEnd = multipliers[1];
        _maint = multipliers[2];
        Ready = true;
    }

    /// <summary>B per health type for two levels, and the bounds that keep v = ⌊R·a₁/b₁⌋ and g(v) within 64 bits.</summary>
    private bool TryPrepareTwoLevels(ulong modulus, ulong weightsModulus, RationalStep value, ReadOnlySpan<RationalStep> weights, RationalStep? chainHaircut, UInt128 valued, bool zeroInit)
    {
        // v ≤ ⌈(M − 1)·a₁/b₁⌉ < valued = M·a₁/b₁; Q' = v / L, and g(v) = Q'·B + g(R') ≤ valued · (weight · haircut).
        if (value.Multiplier > ulong.MaxValue || valued > long.MaxValue)
        {
            return false;
        }

        Span<ulong> perModulus = stackalloc ulong[3];
        for (var type = 0; type < 3; type++)
        {
            if (!TryScale(weightsModulus, weights[type], out UInt128 b) || (chainHaircut is { } h && !TryScale(b, h, out b)))
            {
                return false;
            }

            if (b > ulong.MaxValue || ((valued / weightsModulus) + 1) * b > long.MaxValue)
            {
                return false;
            }

            perModulus[type] = type == 0 && zeroInit ? 0 : (ulong)b;
        }

        _valueMultiplier = (ulong)value.Multiplier;
        _valueDivisor = new InvariantDivisor(value.Divisor);
        _weightsModulus = weightsModulus;
        _weightsShift = 64 - System.Numerics.BitOperations.LeadingZeroCount(weightsModulus - 1);
        _weightsReciprocal = (ulong)((((UInt128)1 << (63 + _weightsShift)) + weightsModulus - 1) / weightsModulus);
        _initPerModulus = perModulus[0];
        _liquidationEndPerModulus = perModulus[1];
        _maintPerModulus = perModulus[2];
        return modulus > 0;
    }

    /// <summary>Whether units split as (quotient, ·) by this table are within <see cref="MaxUnits"/> (the bound moves with the price).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Fits(ulong quotient) => Ready & quotient <= _maxQuotient;

    /// <summary>Adds the contributions of units split as Q·M + R (within <see cref="MaxUnits"/>), negated for a debt.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(ulong quotient, ulong remainder, bool debt, ref HealthSums sums)
    {
        if (_twoLevels)
        {
            AddTwoLevels(quotient, remainder, debt, ref sums);
            return;
        }

        ref ulong row = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_remainders), (nint)(remainder * 3));
        AddProducts(quotient, row, Unsafe.Add(ref row, 1), Unsafe.Add(ref row, 2), debt, ref sums);
    }

    /// <summary>Two levels: v = ⌊R·a₁/b₁⌋ (⌈⌉ for a debt), v = Q'·L + R', f(R) = Q'·B + g(R') per health type.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void AddTwoLevels(ulong quotient, ulong remainder, bool debt, ref HealthSums sums)
    {
        ulong value = _valueDivisor.DivRemSmallQuotient(Limbs.MultiplyHigh(remainder, _valueMultiplier), remainder * _valueMultiplier, out ulong rest);
        value += _roundUp && rest != 0 ? 1UL : 0UL;
        ulong multiples = Limbs.MultiplyHigh(value << 1, _weightsReciprocal) >> _weightsShift;
        ulong weightsRemainder = value - (multiples * _weightsModulus);
        ref ulong row = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_remainders), (nint)(weightsRemainder * 3));
        AddProducts(
            quotient,
            (multiples * _initPerModulus) + row,
            (multiples * _liquidationEndPerModulus) + Unsafe.Add(ref row, 1),
            (multiples * _maintPerModulus) + Unsafe.Add(ref row, 2),
            debt,
            ref sums);
    }

    /// <summary>Adds Q·A + f(R) per health type, negated for a debt.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void AddProducts(ulong quotient, ulong initRemainder, ulong liquidationEndRemainder, ulong maintRemainder, bool debt, ref HealthSums sums)
    {
        ulong initLow = quotient * _init, initHigh = Limbs.MultiplyHigh(quotient, _init);
        ulong liquidationEndLow = quotient * _liquidationEnd, liquidationEndHigh = Limbs.MultiplyHigh(quotient, _liquidationEnd);
        ulong maintLow = quotient * _maint, maintHigh = Limbs.MultiplyHigh(quotient, _maint);
        Limbs.Add(ref initLow, ref initHigh, initRemainder, 0);
        Limbs.Add(ref liquidationEndLow, ref liquidationEndHigh, liquidationEndRemainder, 0);
        Limbs.Add(ref maintLow, ref maintHigh, maintRemainder, 0);
        if (debt)
        {
            sums.Init.Subtract(initLow, initHigh);
            sums.LiquidationEnd.Subtract(liquidationEndLow, liquidationEndHigh);
            sums.Maint.Subtract(maintLow, maintHigh);
        }
        else
        {
            sums.Init.Add(initLow, initHigh);
            sums.LiquidationEnd.Add(liquidationEndLow, liquidationEndHigh);
            sums.Maint.Add(maintLow, maintHigh);
        }
    }

    /// <summary>⌊x·a/b⌋ (or ⌈⌉) exactly, for x·a below 2^127 (guaranteed by the modulus and prefix bounds).</summary>
    private static UInt128 Step(UInt128 x, RationalStep step, bool roundUp)
    {
        UInt128 product = x * step.Multiplier;
        UInt128 quotient = product / step.Divisor;
        return roundUp && quotient * step.Divisor != product ? quotient + 1 : quotient;
    }

    /// <summary>x·a/b for an x that b divides after scaling (x a multiple of the remaining modulus), when it fits 2^127.</summary>
    private static bool TryScale(UInt128 x, RationalStep step, out UInt128 scaled)
    {
        scaled = 0;
        if (step.Multiplier != 0 && x > RationalStep.Limit / step.Multiplier)
        {
            return false;
        }

        scaled = x * step.Multiplier / step.Divisor;
        return true;
    }

    private static UInt128 Gcd(UInt128 a, UInt128 b)
    {
        while (b != 0)
        {
            (a, b) = (b, a % b);
        }

        return a;
    }
}
