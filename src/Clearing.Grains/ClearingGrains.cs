using Clearing.Actors.Hosting;
using Clearing.Grains.Accounts;
using Clearing.Grains.Deposits;
using Clearing.Grains.Members;
using Clearing.Grains.Risk;

namespace Clearing.Grains;

/// <summary>
/// Registration of Clearing's grains. Their constructors take, besides what the host provides: a
/// <see cref="Clearing.Persistence.UnitOfWork.DurableUnitOfWork"/> and a <see cref="Clearing.Persistence.Cursors.CursorStore"/>
/// over the host's database, and an <see cref="Risk.IRiskConfigurationProvider"/>. The netting grain rebuilds its book from
/// an <see cref="Clearing.Actors.Storage.IGrainStateScanner"/> or, when the services hold none, the
/// <see cref="Clearing.Persistence.ClearingDatabase"/>; optional: <see cref="Risk.NettingOptions"/>,
/// <see cref="Events.IAccountEventSink"/>.
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
            .Add<IMemberGrain, MemberGrain>()
            .Add<INettingGrain, NettingGrain>()
            .Add<ILiquidationRouterGrain, LiquidationRouterGrain>()
            .Add<IInsuranceFundGrain, InsuranceFundGrain>();
    }
}
