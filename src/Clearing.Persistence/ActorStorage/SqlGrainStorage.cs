using System.Data.Common;
using Clearing.Actors;
using Clearing.Actors.Storage;

namespace Clearing.Persistence.ActorStorage;

/// <summary>
/// <see cref="IGrainStorage"/> over table <c>grain_state</c> (PostgreSQL or SQLite). Each write is one transaction:
/// the lease fence, then a compare-and-set on the version; a refused write changes nothing.
/// </summary>
public sealed class SqlGrainStorage(ClearingDatabase database) : IGrainStorage, IGrainStateScanner
{
    public Task<GrainStateRecord> ReadAsync(GrainId grainId, string stateName, CancellationToken cancellationToken) =>
        database.ReadAsync(async connection =>
        {
            await using var command = Sql.Command(connection, null,
                    "SELECT version, state_json FROM grain_state WHERE grain_type = @type AND grain_key = @key AND state_name = @name")
                .With("@type", grainId.Type).With("@key", grainId.Key).With("@name", stateName);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
                ? new GrainStateRecord(reader.GetInt64(0), reader.NullableString(1))
                : GrainStateRecord.Missing;
        }, cancellationToken);

    public Task<IReadOnlyList<ScannedGrainState>> ScanAsync(string grainType, string stateName, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<ScannedGrainState>>(async connection =>
        {
            // Ordered in memory (ordinal), not by the database's collation, so every vendor returns the same order.
            await using var command = Sql.Command(connection, null,
                    "SELECT grain_key, version, state_json FROM grain_state WHERE grain_type = @type AND state_name = @name AND state_json IS NOT NULL")
                .With("@type", grainType).With("@name", stateName);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var found = new List<ScannedGrainState>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                found.Add(new ScannedGrainState(reader.GetString(0), reader.GetInt64(1), reader.GetString(2)));
            }

            found.Sort((a, b) => StringComparer.Ordinal.Compare(a.Key, b.Key));
            return found;
        }, cancellationToken);

    public Task<long> WriteAsync(GrainId grainId, string stateName, string json, long expectedVersion, long epoch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(json);
        return ReplaceAsync(grainId, stateName, json, expectedVersion, epoch, cancellationToken);
    }

    public Task<long> ClearAsync(GrainId grainId, string stateName, long expectedVersion, long epoch, CancellationToken cancellationToken) =>
        ReplaceAsync(grainId, stateName, json: null, expectedVersion, epoch, cancellationToken);

    /// <summary>
    /// Replaces the state (JSON, or null for the clear tombstone) inside the caller's transaction, after the caller
    /// ran the lease fence. Returns the new version.
    /// </summary>
    /// <exception cref="InconsistentStateException">The stored version is not <paramref name="expectedVersion"/>.</exception>
    internal static async Task<long> ReplaceAsync(DbConnection connection, DbTransaction transaction, GrainId grainId, string stateName, string? json, long expectedVersion, long epoch, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(expectedVersion);
        // Version 0 has no row: the first write inserts, and of two racing first writers the second finds the
        // conflict. Later writes update only the row still at the expected version.
        var text = expectedVersion == 0
            ? """
              INSERT INTO grain_state (grain_type, grain_key, state_name, state_json, version, writer_epoch)
              VALUES (@type, @key, @name, @json, 1, @epoch)
              ON CONFLICT (grain_type, grain_key, state_name) DO NOTHING
              """
            : """
              UPDATE grain_state SET state_json = @json, version = @expected + 1, writer_epoch = @epoch
              WHERE grain_type = @type AND grain_key = @key AND state_name = @name AND version = @expected
              """;
        var command = Sql.Command(connection, transaction, text)
            .With("@type", grainId.Type).With("@key", grainId.Key).With("@name", stateName).With("@json", json).With("@epoch", epoch);
        if (expectedVersion > 0)
        {
            command.With("@expected", expectedVersion);
        }

        var changed = await command.ExecuteAsync(cancellationToken).ConfigureAwait(false);
        if (changed == 1)
        {
            return expectedVersion + 1;
        }

        await using var read = Sql.Command(connection, transaction,
                "SELECT version FROM grain_state WHERE grain_type = @type AND grain_key = @key AND state_name = @name")
            .With("@type", grainId.Type).With("@key", grainId.Key).With("@name", stateName);
        var stored = await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is { } value and not DBNull
            ? Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture)
            : 0;
        throw new InconsistentStateException(
            $"Version conflict on {grainId} state '{stateName}': stored version {stored}, writer expected {expectedVersion}.",
            stored,
            expectedVersion);
    }

    private Task<long> ReplaceAsync(GrainId grainId, string stateName, string? json, long expectedVersion, long epoch, CancellationToken cancellationToken) =>
        database.InTransactionAsync(async (connection, transaction) =>
        {
            await LeaseFence.EnsureCurrentAsync(database.Dialect, connection, transaction, epoch, cancellationToken).ConfigureAwait(false);
            return await ReplaceAsync(connection, transaction, grainId, stateName, json, expectedVersion, epoch, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);
}
