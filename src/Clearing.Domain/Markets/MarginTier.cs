using System.Collections.Immutable;
using Clearing.Domain.Numerics;

namespace Clearing.Domain.Markets;

/// <summary>One notional tier: from <see cref="LowerBound"/> USD of notional upward the rates apply.</summary>
public readonly record struct MarginTier(Fixed LowerBound, Fixed InitialRate, Fixed MaintenanceRate);

/// <summary>
/// Hyperliquid-style notional tiers: requirement = notional × rate(tier) − deduction(tier), where
/// deduction(0) = 0 and deduction(i) = deduction(i−1) + lowerBound(i) × (rate(i) − rate(i−1)), which makes
/// the requirement continuous at every tier boundary. Deductions are computed once, rounded down (a smaller
/// deduction is a larger requirement, against the account).
/// </summary>
public sealed class MarginTiers
{
    private readonly MarginTier[] _tiers;
    private readonly Fixed[] _initialDeductions;
    private readonly Fixed[] _maintenanceDeductions;

    public MarginTiers(IEnumerable<MarginTier> tiers)
    {
        _tiers = [.. tiers];
        if (_tiers.Length == 0 || !_tiers[0].LowerBound.IsZero)
        {
            throw new ArgumentException("Margin tiers must start at notional 0.", nameof(tiers));
        }

        _initialDeductions = new Fixed[_tiers.Length];
        _maintenanceDeductions = new Fixed[_tiers.Length];
        for (int i = 1; i < _tiers.Length; i++)
        {
            MarginTier previous = _tiers[i - 1];
            MarginTier tier = _tiers[i];
            if (tier.LowerBound <= previous.LowerBound)
            {
                throw new ArgumentException("Margin tier lower bounds must increase.", nameof(tiers));
            }

            if (tier.InitialRate < previous.InitialRate || tier.MaintenanceRate < previous.MaintenanceRate)
            {
                throw new ArgumentException("Margin tier rates must not decrease with notional.", nameof(tiers));
            }

            _initialDeductions[i] = _initialDeductions[i - 1] + tier.LowerBound.MulRoundDown(tier.InitialRate - previous.InitialRate);
            _maintenanceDeductions[i] = _maintenanceDeductions[i - 1] + tier.LowerBound.MulRoundDown(tier.MaintenanceRate - previous.MaintenanceRate);
        }

        foreach (MarginTier tier in _tiers)
        {
            if (tier.InitialRate < tier.MaintenanceRate || tier.MaintenanceRate.IsNegative)
            {
                throw new ArgumentException("Each tier needs 0 ≤ maintenance rate ≤ initial rate.", nameof(tiers));
            }
        }
    }

    public ImmutableArray<MarginTier> Tiers => [.. _tiers];

    /// <summary>Deduction of tier <paramref name="index"/> for initial (true) or maintenance (false) rates.</summary>
    public Fixed Deduction(int index, bool initial) => initial ? _initialDeductions[index] : _maintenanceDeductions[index];

    /// <summary>Requirement (USD) for a position of the given notional (≥ 0), rounded up.</summary>
    public Fixed Requirement(Fixed notional, bool initial)
    {
        int index = 0;
        for (int i = 1; i < _tiers.Length && _tiers[i].LowerBound <= notional; i++)
        {
            index = i;
        }

        Fixed rate = initial ? _tiers[index].InitialRate : _tiers[index].MaintenanceRate;
        return notional.MulRoundUp(rate) - Deduction(index, initial);
    }
}
