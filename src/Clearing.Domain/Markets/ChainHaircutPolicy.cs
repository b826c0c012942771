using Clearing.Domain.Numerics;

namespace Clearing.Domain.Markets;

/// <summary>
/// Observed health of a chain, as data: how far its finalized head lags the expected finality time, and
/// how far our RPC view lags the chain's head. Seconds.
/// </summary>
public readonly record struct ChainCondition(long FinalityStallSeconds, long RpcLagSeconds);

/// <summary>
/// Turns a chain's condition into the multiplier applied to the asset weights of every balance held on it.
/// Collateral on a chain whose finality stalls cannot be moved or seized promptly, so it is worth less:
/// healthy (both lags within <see cref="ToleratedSeconds"/>) → 1; beyond that the multiplier falls linearly by
/// <see cref="HaircutPerSecond"/> per second of the worse lag, down to <see cref="Floor"/>; at
/// <see cref="HaltSeconds"/> or more the chain is treated as halted and the multiplier is <see cref="Floor"/>.
/// </summary>
public sealed record ChainHaircutPolicy(long ToleratedSeconds, Fixed HaircutPerSecond, long HaltSeconds, Fixed Floor)
{
    /// <summary>No haircut whatever the condition (the base model).</summary>
    public static ChainHaircutPolicy None { get; } = new(long.MaxValue, Fixed.Zero, long.MaxValue, Fixed.One);

    public Fixed Multiplier(ChainCondition condition)
    {
        long lag = Math.Max(Math.Max(condition.FinalityStallSeconds, condition.RpcLagSeconds), 0);
        if (lag >= HaltSeconds)
        {
            return Floor;
        }

        if (lag <= ToleratedSeconds)
        {
            return Fixed.One;
        }

        // Haircut rounded up: the multiplier rounds down, against the account.
        Fixed haircut = HaircutPerSecond.MulInt(lag - ToleratedSeconds);
        return Fixed.Max(Floor, Fixed.One - haircut);
    }
}
