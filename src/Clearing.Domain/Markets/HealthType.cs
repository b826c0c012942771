using Clearing.Domain.Numerics;

namespace Clearing.Domain.Markets;

/// <summary>
/// The three health types (Mango's): <see cref="Init"/> gates new risk (orders, withdrawals),
/// <see cref="Maint"/> decides liquidation (liquidatable when maintenance health &lt; 0), and
/// <see cref="LiquidationEnd"/> — weights halfway between the two — is what a liquidation restores to ≥ 0,
/// so that a liquidated account is not immediately liquidatable again. For any account
/// init ≤ liquidation-end ≤ maintenance.
/// </summary>
public enum HealthType
{
    Init,
    LiquidationEnd,
    Maint,
}

/// <summary>One figure per health type (contributions or healths), USD.</summary>
public readonly record struct HealthTriple(Fixed Init, Fixed LiquidationEnd, Fixed Maint)
{
    public static HealthTriple operator +(HealthTriple a, HealthTriple b) =>
        new(a.Init + b.Init, a.LiquidationEnd + b.LiquidationEnd, a.Maint + b.Maint);

    public Fixed this[HealthType type] => type switch
    {
        HealthType.Init => Init,
        HealthType.LiquidationEnd => LiquidationEnd,
        _ => Maint,
    };
}
