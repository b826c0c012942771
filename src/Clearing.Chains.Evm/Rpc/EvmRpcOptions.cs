namespace Clearing.Chains.Evm.Rpc;

/// <summary>How patient the client is with one node.</summary>
public sealed record EvmRpcOptions
{
    /// <summary>The chain's name as operators know it (<c>chain</c> label of the RPC call metrics).</summary>
    public string Chain { get; init; } = "evm";

    /// <summary>Limit for one HTTP attempt; an attempt that takes longer is a transport failure (and retried).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Attempts per call including the first; only transport failures are retried.</summary>
    public int MaxAttempts { get; init; } = 4;

    /// <summary>Wait before the first retry; doubles for each further one up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How the client waits between attempts; tests substitute one that records instead of sleeping.</summary>
    public Func<TimeSpan, CancellationToken, Task> Delay { get; init; } = Task.Delay;

    /// <summary>The wait before retry number <paramref name="retry"/> (1-based): InitialBackoff · 2^(retry-1), capped.</summary>
    public TimeSpan BackoffBefore(int retry)
    {
        var ticks = InitialBackoff.Ticks * Math.Pow(2, retry - 1);
        return ticks >= MaxBackoff.Ticks ? MaxBackoff : TimeSpan.FromTicks((long)ticks);
    }
}
