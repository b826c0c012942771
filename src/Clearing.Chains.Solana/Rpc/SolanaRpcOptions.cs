namespace Clearing.Chains.Solana.Rpc;

/// <summary>Per-call limits of <see cref="SolanaRpcClient"/>.</summary>
public sealed record SolanaRpcOptions
{
    /// <summary>The chain's name as operators know it (<c>chain</c> label of the RPC call metrics).</summary>
    public string Chain { get; init; } = "solana";

    /// <summary>How long one attempt may take before it counts as a transport failure.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Attempts per call, the first included; only transport failures are retried.</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>Wait before the second attempt; doubled before each further one.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The clock the timeouts and backoff waits run on.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>The wait before attempt <paramref name="attempt"/> (2, 3, …): InitialBackoff × 2^(attempt − 2).</summary>
    public TimeSpan BackoffBefore(int attempt) =>
        attempt <= 1 ? TimeSpan.Zero : InitialBackoff * Math.Pow(2, Math.Min(attempt - 2, 16));
}
