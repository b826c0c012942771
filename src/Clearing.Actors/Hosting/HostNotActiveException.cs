namespace Clearing.Actors.Hosting;

/// <summary>The host does not hold the lease (standby, lapsed or deposed), so it serves no grain calls.</summary>
public sealed class HostNotActiveException(string hostId)
    : InvalidOperationException($"Host '{hostId}' does not hold the lease and serves no grain calls.")
{
    public string HostId { get; } = hostId;
}
