namespace Clearing.Actors.Hosting;

/// <summary>
/// A call that could only time out: it targets a non-reentrant activation whose running request is itself
/// (transitively) waiting for this call, e.g. A → B → A. In Orleans such a call waits out its response timeout;
/// the host detects the cycle when the call is enqueued (as Orleans 1.x's deadlock detection did) and fails it at
/// once with the same kind of failure, a <see cref="TimeoutException"/>, whose message names the cycle.
/// </summary>
public sealed class DeadlockException(string message, IReadOnlyList<string> cycle) : TimeoutException(message)
{
    /// <summary>The calls of the cycle, "grain.method", first and last naming the same activation.</summary>
    public IReadOnlyList<string> Cycle { get; } = cycle;
}
