using Clearing.Actors;
using Clearing.Actors.Hosting;
using Clearing.Actors.Storage;

namespace Clearing.Persistence.ActorStorage;

public static class SqlActorStores
{
    /// <summary>
    /// What an actor host keeps in <paramref name="database"/>: the lease, the reminder table and the default grain
    /// storage, all in the one database whose lease fences them.
    /// </summary>
    public static ActorHostStores For(ClearingDatabase database) => new(
        new SqlHostLease(database),
        new SqlReminderTable(database),
        new Dictionary<string, IGrainStorage> { [PersistentStateAttribute.DefaultStorage] = new SqlGrainStorage(database) });
}
