namespace Clearing.Actors.Lease;

/// <summary>The lease row as it stands after a grant.</summary>
/// <param name="HolderId">The host that holds it.</param>
/// <param name="Epoch">Fencing token: 1 for the first grant ever, + 1 on every change of tenure (never reused).</param>
/// <param name="ExpiresAt">The lease lapses at this instant (UTC): it is held while <c>now &lt; ExpiresAt</c>.</param>
public sealed record LeaseGrant(string HolderId, long Epoch, DateTimeOffset ExpiresAt)
{
    public bool IsHeldAt(DateTimeOffset now) => now < ExpiresAt;
}
