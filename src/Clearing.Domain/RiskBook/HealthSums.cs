using System.Runtime.CompilerServices;
using Clearing.Domain.Markets;
using Clearing.Domain.Numerics;

namespace Clearing.Domain.RiskBook;

/// <summary>
/// A signed 128-bit running sum on two 64-bit limbs (two's complement, wrapping). The kernels that add into it
/// bound every contribution below 2^118 and a pool has at most 510 rows, so a pool's health stays below 2^127 (an
/// intermediate sum may wrap; the final one, the exact health, does not). Written out because in a large method the JIT calls Int128's operators instead of inlining them.
/// </summary>
internal struct Sum128
{
    private ulong _low;
    private ulong _high;

    public readonly Int128 Value => new(_high, _low);

    public readonly ulong Low => _low;

    public readonly ulong High => _high;

    /// <summary>Whether the sum is negative.</summary>
    public readonly bool IsNegative => (long)_high < 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(ulong low, ulong high) => Limbs.Add(ref _low, ref _high, low, high);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Subtract(ulong low, ulong high) => Limbs.Subtract(ref _low, ref _high, low, high);
}

/// <summary>
/// The three health sums of one pool (USD, raw 10^-18) while its rows are added. A position's equity counts in all
/// three alike, so it is added once to <see cref="Equity"/> and each health type keeps what differs (balances'
/// contributions, minus each position's requirement); a health is its sum plus the equity.
/// </summary>
internal struct HealthSums
{
    public Sum128 Init;
    public Sum128 LiquidationEnd;
    public Sum128 Maint;
    public Sum128 Equity;

    /// <summary>Contributions below this magnitude (2^118) may be added without an overflow check (see <see cref="Sum128"/>).</summary>
    public static readonly Int128 ContributionLimit = Int128.One << 118;

    public readonly Sum128 InitHealth => Total(Init);

    public readonly Sum128 LiquidationEndHealth => Total(LiquidationEnd);

    public readonly Sum128 MaintHealth => Total(Maint);

    public readonly HealthTriple Triple => new(Fixed.FromRaw(InitHealth.Value), Fixed.FromRaw(LiquidationEndHealth.Value), Fixed.FromRaw(MaintHealth.Value));

    /// <summary>Adds a contribution computed elsewhere; false (nothing added) when one of its parts is not below the limit.</summary>
    public bool TryAdd(in HealthTriple c)
    {
        if (!Bounded(c.Init.Raw) || !Bounded(c.LiquidationEnd.Raw) || !Bounded(c.Maint.Raw))
        {
            return false;
        }

        Init.Add((ulong)c.Init.Raw, (ulong)(c.Init.Raw >> 64));
        LiquidationEnd.Add((ulong)c.LiquidationEnd.Raw, (ulong)(c.LiquidationEnd.Raw >> 64));
        Maint.Add((ulong)c.Maint.Raw, (ulong)(c.Maint.Raw >> 64));
        return true;
    }

    private readonly Sum128 Total(Sum128 sum)
    {
        sum.Add(Equity.Low, Equity.High);
        return sum;
    }

    private static bool Bounded(Int128 value) => value < ContributionLimit && value > -ContributionLimit;
}
