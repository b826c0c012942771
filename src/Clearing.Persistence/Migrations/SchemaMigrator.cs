using System.Data.Common;

namespace Clearing.Persistence.Migrations;

/// <summary>
/// Brings a database to the schema this code knows, at startup. All pending scripts and their rows in
/// <c>schema_migrations</c> are applied in one transaction (DDL is transactional on both databases), so a crash
/// leaves either the old schema or the new one. Running it again changes nothing. It refuses a database that is
/// newer than the code (a rolled-back deployment must not write to a schema it does not understand) and one
/// whose applied script differs from the code's script of the same version.
/// </summary>
public sealed class SchemaMigrator(ClearingDatabase database, TimeProvider clock)
{
    private const string CreateLedgerOfMigrations = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version       INTEGER PRIMARY KEY,
            name          TEXT    NOT NULL,
            checksum      TEXT    NOT NULL,
            applied_at_ms BIGINT  NOT NULL
        )
        """;

    /// <summary>Applies what is missing; returns the versions applied by this call (empty when already current).</summary>
    public async Task<IReadOnlyList<int>> MigrateAsync(CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(database);
        var scripts = MigrationScript.For(database.Dialect);
        return await database.InTransactionAsync(async (connection, transaction) =>
        {
            if (database.Dialect.MigrationLock is { } takeLock)
            {
                await Sql.Command(connection, transaction, takeLock).ExecuteAsync(cancellationToken).ConfigureAwait(false);
            }

            await Sql.Command(connection, transaction, CreateLedgerOfMigrations).ExecuteAsync(cancellationToken).ConfigureAwait(false);
            var applied = await AppliedAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            Verify(applied, scripts);

            var appliedNow = new List<int>();
            foreach (var script in scripts.Where(s => !applied.ContainsKey(s.Version)))
            {
                await Sql.Command(connection, transaction, script.Text).ExecuteAsync(cancellationToken).ConfigureAwait(false);
                await Sql.Command(connection, transaction,
                        "INSERT INTO schema_migrations (version, name, checksum, applied_at_ms) VALUES (@version, @name, @checksum, @at)")
                    .With("@version", script.Version)
                    .With("@name", script.Name)
                    .With("@checksum", script.Checksum)
                    .With("@at", clock.GetUtcNow().ToUnixMs())
                    .ExecuteAsync(cancellationToken).ConfigureAwait(false);
                appliedNow.Add(script.Version);
            }

            return (IReadOnlyList<int>)appliedNow;
        }, cancellationToken).ConfigureAwait(false);
    }

    private static void Verify(Dictionary<int, string> applied, IReadOnlyList<MigrationScript> scripts)
    {
        var known = scripts.Count == 0 ? 0 : scripts[^1].Version;
        var newest = applied.Count == 0 ? 0 : applied.Keys.Max();
        if (newest > known)
        {
            throw new SchemaTooNewException(newest, known);
        }

        foreach (var script in scripts)
        {
            if (applied.TryGetValue(script.Version, out var checksum) && checksum != script.Checksum)
            {
                throw new InvalidOperationException(
                    $"Migration {script.Version:D4}_{script.Name} was applied with a different text (checksum {checksum}, code has {script.Checksum}); " +
                    "applied scripts are never edited - add a new script instead.");
            }
        }
    }

    private static async Task<Dictionary<int, string>> AppliedAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        var applied = new Dictionary<int, string>();
        await using var command = Sql.Command(connection, transaction, "SELECT version, checksum FROM schema_migrations");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            applied.Add(Convert.ToInt32(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture), reader.GetString(1));
        }

        return applied;
    }
}

/// <summary>The database holds a schema version this code does not know: refuse to start rather than guess.</summary>
public sealed class SchemaTooNewException(int databaseVersion, int codeVersion)
    : InvalidOperationException($"The database schema is at version {databaseVersion}, newer than the {codeVersion} this build knows; refusing to start.")
{
    public int DatabaseVersion { get; } = databaseVersion;

    public int CodeVersion { get; } = codeVersion;
}
