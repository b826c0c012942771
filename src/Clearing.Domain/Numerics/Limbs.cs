using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Clearing.Domain.Numerics;

/// <summary>
/// 128-bit arithmetic on two 64-bit limbs for the risk book's kernels. The high half of a product comes from
/// <c>mulx</c> without its memory operand and the low half from an ordinary multiplication: <see cref="Math.BigMul(ulong, ulong, out ulong)"/>
/// returns the low half through memory (a store and a reload on the critical path of every product), and the JIT
/// calls Int128's operators instead of inlining them once a method is large.
/// </summary>
internal static class Limbs
{
    /// <summary>The high 64 bits of a × b (the low 64 bits are a * b).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong MultiplyHigh(ulong a, ulong b) => Bmi2.X64.IsSupported ? Bmi2.X64.MultiplyNoFlags(a, b) : Math.BigMul(a, b, out _);

    /// <summary>The high 64 bits of the signed 128-bit product a × b (the low 64 bits are a * b).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong MultiplyHigh(long a, long b) =>
        MultiplyHigh((ulong)a, (ulong)b) - ((ulong)(a >> 63) & (ulong)b) - ((ulong)(b >> 63) & (ulong)a);

    /// <summary>(high:low) += (addHigh:addLow), wrapping.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Add(ref ulong low, ref ulong high, ulong addLow, ulong addHigh)
    {
        ulong sum = low + addLow;
        high += addHigh + (sum < addLow ? 1UL : 0UL);
        low = sum;
    }

    /// <summary>(high:low) −= (subHigh:subLow), wrapping.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Subtract(ref ulong low, ref ulong high, ulong subLow, ulong subHigh)
    {
        high -= subHigh + (low < subLow ? 1UL : 0UL);
        low -= subLow;
    }
}
