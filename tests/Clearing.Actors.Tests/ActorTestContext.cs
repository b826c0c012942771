using System.Collections.Concurrent;
using Clearing.Actors.Hosting;
using Clearing.Actors.Lease;
using Clearing.Actors.Storage;
using Clearing.Actors.Testing;
using Clearing.TestKit;

namespace Clearing.Actors.Tests;

/// <summary>One in-memory "database" (lease, storage, reminders), one fake clock, one probe, and hosts over them.</summary>
public sealed class ActorTestContext : IAsyncDisposable
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    private readonly List<ActorHost> _hosts = [];

    public ActorTestContext()
    {
        Stores = ActorHostStores.InMemory();
    }

    public FakeClock Clock { get; } = new();

    public Probe Probe { get; } = new();

    public ActorHostStores Stores { get; }

    /// <summary>The unit of work given to the grains of the host started last.</summary>
    public ExternalUnitOfWork? UnitOfWork { get; private set; }

    public List<Exception> BackgroundErrors { get; } = [];

    public static GrainRegistry Grains() => new GrainRegistry()
        .Add<ICounterGrain, CounterGrain>()
        .Add<ISequenceGrain, SequenceGrain>()
        .Add<IReentrantSequenceGrain, ReentrantSequenceGrain>()
        .Add<IBehaviourGrain, BehaviourGrain>()
        .Add<ITickerGrain, TickerGrain>()
        .Add<IRelayGrain, RelayGrain>()
        .Add<IDurableCounterGrain, DurableCounterGrain>();

    public ActorHostOptions Options(string hostId) => new()
    {
        HostId = hostId,
        OnBackgroundError = (_, error) =>
        {
            lock (BackgroundErrors)
            {
                BackgroundErrors.Add(error);
            }
        },
        DefaultCallTimeout = TimeSpan.FromSeconds(30),
        IdleTimeout = TimeSpan.FromMinutes(15),
        CollectionQuantum = TimeSpan.FromMinutes(1),
        LeaseTtl = TimeSpan.FromSeconds(30),
        LeaseRenewInterval = TimeSpan.FromSeconds(10),
    };

    /// <summary>A started host over this context's stores (or over <paramref name="lease"/> in their place).</summary>
    public async Task<ActorHost> StartHostAsync(string hostId = "host-a", IHostLease? lease = null, ActorHostOptions? options = null, ActorHostStores? stores = null)
    {
        stores ??= Stores;
        stores = lease is null ? stores : stores with { Lease = lease };
        var host = new ActorHost(
            options ?? Options(hostId),
            Grains(),
            stores,
            Clock,
            new Services(Probe, UnitOfWork = new ExternalUnitOfWork(stores.GrainStorage["Default"])));
        _hosts.Add(host);
        await host.StartAsync();
        return host;
    }

    public static Task UntilAsync(Func<bool> condition, string what) =>
        Wait.UntilAsync(() => Task.FromResult(condition()), Deadline, what, TimeSpan.FromMilliseconds(5));

    public async ValueTask DisposeAsync()
    {
        Probe.Gate.TrySetResult();
        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }
    }

    private sealed class Services(params object[] services) : IServiceProvider
    {
        public object? GetService(Type serviceType) => services.FirstOrDefault(serviceType.IsInstanceOfType);
    }
}

/// <summary>A lease store the test can cut a host off from (a network partition between it and the database).</summary>
public sealed class PartitionableLease(IHostLease inner) : IHostLease
{
    public bool Partitioned { get; set; }

    public Task<LeaseGrant?> TryAcquireAsync(string hostId, DateTimeOffset now, TimeSpan ttl, CancellationToken cancellationToken) =>
        Partitioned ? Task.FromException<LeaseGrant?>(new IOException("partitioned from the lease store")) : inner.TryAcquireAsync(hostId, now, ttl, cancellationToken);

    public Task ReleaseAsync(string hostId, long epoch, DateTimeOffset now, CancellationToken cancellationToken) =>
        Partitioned ? Task.FromException(new IOException("partitioned from the lease store")) : inner.ReleaseAsync(hostId, epoch, now, cancellationToken);

    public Task<LeaseGrant?> ReadAsync(CancellationToken cancellationToken) => inner.ReadAsync(cancellationToken);
}

/// <summary>Grain storage whose next read fails, as a database that is briefly unreachable.</summary>
public sealed class FlakyStorage(IGrainStorage inner) : IGrainStorage
{
    public bool FailNextRead { get; set; }

    public Task<GrainStateRecord> ReadAsync(GrainId grainId, string stateName, CancellationToken cancellationToken)
    {
        if (FailNextRead)
        {
            FailNextRead = false;
            return Task.FromException<GrainStateRecord>(new IOException("storage unreachable"));
        }

        return inner.ReadAsync(grainId, stateName, cancellationToken);
    }

    public Task<long> WriteAsync(GrainId grainId, string stateName, string json, long expectedVersion, long epoch, CancellationToken cancellationToken) =>
        inner.WriteAsync(grainId, stateName, json, expectedVersion, epoch, cancellationToken);

    public Task<long> ClearAsync(GrainId grainId, string stateName, long expectedVersion, long epoch, CancellationToken cancellationToken) =>
        inner.ClearAsync(grainId, stateName, expectedVersion, epoch, cancellationToken);
}

/// <summary>
/// Stands in for Clearing.Persistence's unit of work: writes a grain state outside IPersistentState, fenced and
/// version-checked by the storage, and remembers the epochs it was given.
/// </summary>
public sealed class ExternalUnitOfWork(IGrainStorage storage)
{
    public ConcurrentQueue<long> Epochs { get; } = new();

    public Task<long> CommitAsync(IStateCommitParticipant state, long epoch)
    {
        Epochs.Enqueue(epoch);
        return storage.WriteAsync(state.GrainId, state.StateName, state.SerializeState(), state.Etag, epoch, CancellationToken.None);
    }
}
