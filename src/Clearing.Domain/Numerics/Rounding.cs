namespace Clearing.Domain.Numerics;

/// <summary>
/// Direction of rounding for every inexact operation. The names are absolute (toward −∞ / +∞), not
/// "toward zero", so that "round against the account" is a single rule: a contribution to the account's
/// health or balance rounds <see cref="Down"/>, a requirement or a debt owed by the account rounds
/// <see cref="Up"/>.
/// </summary>
public enum Rounding
{
    /// <summary>Toward negative infinity (floor).</summary>
    Down,

    /// <summary>Toward positive infinity (ceiling).</summary>
    Up,
}
