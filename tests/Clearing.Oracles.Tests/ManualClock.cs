namespace Clearing.Oracles.Tests;

/// <summary>The one clock of these tests: it moves only when a test sets it.</summary>
internal sealed class ManualClock(long unixSeconds) : TimeProvider
{
    private DateTimeOffset now = DateTimeOffset.FromUnixTimeSeconds(unixSeconds);

    public long UnixSeconds => now.ToUnixTimeSeconds();

    public void Advance(long seconds) => now = now.AddSeconds(seconds);

    public override DateTimeOffset GetUtcNow() => now;
}
