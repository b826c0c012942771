using System.Text.Json;
using Clearing.Actors.Lease;
using Clearing.Actors.Reminders;
using Clearing.Actors.Storage;

namespace Clearing.Actors.Hosting;

/// <summary>Settings of one <see cref="ActorHost"/>; the defaults follow Orleans' where Orleans has one.</summary>
public sealed class ActorHostOptions
{
    /// <summary>Names this host in the lease row; unique among the hosts of one database.</summary>
    public required string HostId { get; init; }

    /// <summary>Timeout of a grain call without <see cref="ResponseTimeoutAttribute"/> (Orleans' ResponseTimeout: 30 s).</summary>
    public TimeSpan DefaultCallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>An activation with no call for this long is deactivated (Orleans' CollectionAge; 15 min here).</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>How often idle activations are looked for (Orleans' CollectionQuantum: 1 min).</summary>
    public TimeSpan CollectionQuantum { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a lease grant lasts without renewal; a standby takes over this long after the holder stops renewing.</summary>
    public TimeSpan LeaseTtl { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the lease is renewed (holder) or tried (standby); well under <see cref="LeaseTtl"/>.</summary>
    public TimeSpan LeaseRenewInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How grain state is written to storage.</summary>
    public JsonSerializerOptions JsonOptions { get; init; } = new(JsonSerializerDefaults.General);

    /// <summary>
    /// Told of failures that have no caller to go to: a timer or reminder tick that threw, an <c>OnDeactivateAsync</c>
    /// that threw, a lease store that could not be reached.
    /// </summary>
    public Action<GrainId?, Exception>? OnBackgroundError { get; init; }
}

/// <summary>The durable side of a host: one database's lease, reminder table and named grain storages.</summary>
/// <param name="GrainStorage">By the storage name of <see cref="PersistentStateAttribute"/> ("Default" unless named).</param>
public sealed record ActorHostStores(IHostLease Lease, IReminderTable Reminders, IReadOnlyDictionary<string, IGrainStorage> GrainStorage)
{
    /// <summary>The stores of a fresh in-memory "database" (one lease fencing one storage named "Default" and one reminder table).</summary>
    public static ActorHostStores InMemory()
    {
        var lease = new MemoryHostLease();
        return new ActorHostStores(
            lease,
            new MemoryReminderTable(lease),
            new Dictionary<string, IGrainStorage> { [PersistentStateAttribute.DefaultStorage] = new MemoryGrainStorage(lease) });
    }
}
