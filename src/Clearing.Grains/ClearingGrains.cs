using Clearing.Actors.Hosting;
using Clearing.Grains.Accounts;
using Clearing.Grains.Deposits;
using Clearing.Grains.Members;

namespace Clearing.Grains;

/// <summary>
/// Registration of Clearing's grains. Their constructors take, besides what the host provides: a
/// <see cref="Clearing.Persistence.UnitOfWork.DurableUnitOfWork"/> and a <see cref="Clearing.Persistence.Cursors.CursorStore"/>
/// over the host's database, and an <see cref="Risk.IRiskConfigurationProvider"/>.
/// </summary>
public static class ClearingGrains
{
    public static GrainRegistry AddClearingGrains(this GrainRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return registry
            .Add<IMarginAccountGrain, MarginAccountGrain>()
            .Add<ISuspenseGrain, SuspenseGrain>()
            .Add<IChainDepositsGrain, ChainDepositsGrain>()
            .Add<IMemberGrain, MemberGrain>();
    }
}
