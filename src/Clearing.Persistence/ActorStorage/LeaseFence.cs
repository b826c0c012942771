using System.Data.Common;
using Clearing.Actors.Storage;

namespace Clearing.Persistence.ActorStorage;

/// <summary>
/// The fencing check every write runs first, inside its own transaction: the writer's epoch must be the lease
/// row's epoch. PostgreSQL: the row is read FOR SHARE, so a takeover (which updates it) waits until this
/// transaction ends, and the write is ordered before the new tenure. SQLite: the write transaction already holds
/// the database's single write lock. Epoch 0 is the row before any grant (as in MemoryHostLease).
/// </summary>
internal static class LeaseFence
{
    public static async Task EnsureCurrentAsync(SqlDialect dialect, DbConnection connection, DbTransaction transaction, long epoch, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(connection, transaction, $"SELECT epoch FROM host_lease WHERE lease_id = 1{dialect.ForShare}");
        var current = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is { } value and not DBNull
            ? Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture)
            : 0;
        if (current != epoch)
        {
            throw new FencedWriteException(epoch, current);
        }
    }
}
