using System.Collections.Concurrent;

namespace Clearing.Server.Api;

/// <summary>
/// Nonces seen per key id, each remembered until its request's timestamp leaves the acceptance window (after that the
/// window check alone refuses a replay). In memory: one active host serves the API (DESIGN.md §4); see README for
/// what a restart means.
/// </summary>
public sealed class NonceStore(TimeProvider clock)
{
    private readonly ConcurrentDictionary<(string KeyId, string Nonce), DateTimeOffset> seen = new();
    private long nextSweepTicks;

    /// <summary>True when the nonce is new for this key (and is now taken); false for a replay.</summary>
    public bool TryUse(string keyId, string nonce, DateTimeOffset requestTime)
    {
        var now = clock.GetUtcNow();
        SweepExpired(now);
        // Remember until the latest instant this timestamp is still inside the window.
        var forgetAt = requestTime + RequestSignature.Window;
        return seen.TryAdd((keyId, nonce), forgetAt);
    }

    public int Count => seen.Count;

    private void SweepExpired(DateTimeOffset now)
    {
        // At most one sweep per second of clock time: a full scan per request would be quadratic under load.
        var due = Interlocked.Read(ref nextSweepTicks);
        if (now.UtcTicks < due || Interlocked.CompareExchange(ref nextSweepTicks, now.UtcTicks + TimeSpan.TicksPerSecond, due) != due)
        {
            return;
        }

        foreach (var entry in seen)
        {
            if (entry.Value < now)
            {
                seen.TryRemove(entry);
            }
        }
    }
}
