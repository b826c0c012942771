using Clearing.Actors.Lease;

namespace Clearing.Persistence.ActorStorage;

/// <summary>
/// <see cref="IHostLease"/> over the single <c>host_lease</c> row, in the database whose writes it fences. Each
/// call locks the row (PostgreSQL FOR UPDATE; SQLite's write lock) and decides in code by the caller's clock, so of
/// two hosts racing for a lapsed lease exactly one gets epoch + 1. The row is created by the schema with epoch 0
/// ("never granted"), which is why the first grant is epoch 1.
/// </summary>
public sealed class SqlHostLease(ClearingDatabase database) : IHostLease
{
    public Task<LeaseGrant?> TryAcquireAsync(string hostId, DateTimeOffset now, TimeSpan ttl, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(hostId);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ttl, TimeSpan.Zero);
        return database.InTransactionAsync(async (connection, transaction) =>
        {
            var row = await ReadRowAsync(connection, transaction, database.Dialect.ForUpdate, cancellationToken).ConfigureAwait(false);
            // The row keeps whole milliseconds; the grant says exactly what was stored.
            var expiresAt = Sql.FromUnixMs((now + ttl).ToUnixMs());
            LeaseGrant grant;
            if (row.HolderId == hostId && row.Epoch > 0 && row.IsHeldAt(now))
            {
                grant = row with { ExpiresAt = expiresAt };
            }
            else if (!row.IsHeldAt(now))
            {
                grant = new LeaseGrant(hostId, row.Epoch + 1, expiresAt);
            }
            else
            {
                return null;
            }

            await Sql.Command(connection, transaction,
                    "UPDATE host_lease SET holder = @holder, epoch = @epoch, expires_at_ms = @expires WHERE lease_id = 1")
                .With("@holder", grant.HolderId).With("@epoch", grant.Epoch).With("@expires", grant.ExpiresAt.ToUnixMs())
                .ExecuteAsync(cancellationToken).ConfigureAwait(false);
            return grant;
        }, cancellationToken);
    }

    public Task ReleaseAsync(string hostId, long epoch, DateTimeOffset now, CancellationToken cancellationToken) =>
        database.InTransactionAsync(
            (connection, transaction) => Sql.Command(connection, transaction,
                    "UPDATE host_lease SET expires_at_ms = @now WHERE lease_id = 1 AND holder = @holder AND epoch = @epoch AND epoch > 0")
                .With("@now", now.ToUnixMs()).With("@holder", hostId).With("@epoch", epoch)
                .ExecuteAsync(cancellationToken),
            cancellationToken);

    public Task<LeaseGrant?> ReadAsync(CancellationToken cancellationToken) =>
        database.ReadAsync(async connection =>
        {
            var row = await ReadRowAsync(connection, null, "", cancellationToken).ConfigureAwait(false);
            return row.Epoch == 0 ? null : row;
        }, cancellationToken);

    private static async Task<LeaseGrant> ReadRowAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction? transaction, string lockSuffix, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(connection, transaction, $"SELECT holder, epoch, expires_at_ms FROM host_lease WHERE lease_id = 1{lockSuffix}");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidOperationException("The host_lease row is missing: the database was not migrated (SchemaMigrator).");
        }

        return new LeaseGrant(reader.GetString(0), reader.GetInt64(1), Sql.FromUnixMs(reader.GetInt64(2)));
    }
}
