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
