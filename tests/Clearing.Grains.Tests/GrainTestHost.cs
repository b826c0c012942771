using Clearing.Actors;
using Clearing.Actors.Hosting;
using Clearing.Actors.Storage;
using Clearing.Actors.Testing;
using Clearing.Grains.Accounts;
using Clearing.Grains.Deposits;
using Clearing.Grains.Risk;
using Clearing.Persistence;
using Clearing.Persistence.ActorStorage;
using Clearing.Persistence.Cursors;
using Clearing.Persistence.UnitOfWork;

namespace Clearing.Grains.Tests;

/// <summary>
/// An actor host with Clearing's grains over one database, on its own fake clock. Two of them on one database are two
/// hosts competing for the lease; abandoning one without stopping it is a crash (its clock stops, so it never renews).
/// </summary>
public sealed class GrainTestHost : IAsyncDisposable
{
    private readonly ActorHost host;

    private GrainTestHost(ActorHost host, FakeClock clock)
    {
        this.host = host;
        Clock = clock;
    }

    public FakeClock Clock { get; }

    public ActorHost Host => host;

    public IGrainFactory Grains => host.GrainFactory;

    public DurableDepositSink Sink => new(host.GrainFactory);

    public static Task<GrainTestHost> StartAsync(ClearingDatabase database, string hostId = "host-1", FakeClock? clock = null, IRiskConfigurationProvider? risk = null) =>
        StartAsync(database, new ActorHostOptions { HostId = hostId }, clock, risk);

    /// <param name="extraServices">Services besides the unit of work, cursor store and risk configuration every host gets.</param>
    public static async Task<GrainTestHost> StartAsync(ClearingDatabase database, ActorHostOptions options, FakeClock? clock = null, IRiskConfigurationProvider? risk = null,
        IReadOnlyDictionary<Type, object>? extraServices = null)
    {
        clock ??= new FakeClock();
        var stores = SqlActorStores.For(database);
        var services = new Dictionary<Type, object>(extraServices ?? new Dictionary<Type, object>())
        {
            [typeof(DurableUnitOfWork)] = new DurableUnitOfWork(database),
            [typeof(CursorStore)] = new CursorStore(database),
            [typeof(IRiskConfigurationProvider)] = risk ?? TestRisk.Configuration,
        };
        var host = new ActorHost(options, new GrainRegistry().AddClearingGrains(), stores, clock, new TestServices(services));
        await host.StartAsync();
        return new GrainTestHost(host, clock);
    }

    public IMarginAccountGrain Account(string id) => Grains.GetGrain<IMarginAccountGrain>(id);

    public ISuspenseGrain Suspense(string chain = TestRisk.Chain) => Grains.GetGrain<ISuspenseGrain>(chain);

    public async ValueTask DisposeAsync() => await host.StopAsync();

    private sealed class TestServices(IReadOnlyDictionary<Type, object> services) : IServiceProvider
    {
        public object? GetService(Type serviceType) => services.GetValueOrDefault(serviceType);
    }
}
