using System.Data;
using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Clearing.Persistence;

/// <summary>
/// What differs between the two databases, and nothing else: how to connect and begin a write transaction,
/// how a token amount is written and read, row locks, and how a unique-key violation is reported. The SQL
/// itself is shared: both accept <c>@name</c> parameters, <c>INSERT … ON CONFLICT … DO UPDATE</c> and
/// <c>RETURNING</c> (SQLite ≥ 3.35, bundled by Microsoft.Data.Sqlite).
/// </summary>
public abstract class SqlDialect
{
    public static SqlDialect PostgreSql { get; } = new PostgreSqlDialect();

    public static SqlDialect Sqlite { get; } = new SqliteDialect();

    /// <summary>Folder under <c>Sql/</c> holding this dialect's versioned scripts.</summary>
    public abstract string ScriptFolder { get; }

    public abstract DbConnection CreateConnection(string connectionString);

    /// <summary>Per-connection settings, run after every open.</summary>
    public abstract Task PrepareAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>Begins a transaction that other writers wait for instead of interleaving with.</summary>
    public abstract ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>SQL expression turning a text parameter into the amount column's type.</summary>
    public abstract string AmountValue(string parameterName);

    /// <summary>SQL expression reading an amount column as canonical decimal text.</summary>
    public abstract string AmountText(string column);

    /// <summary>Whether <c>SUM</c> over amounts is exact in the database (NUMERIC) or must be done in code (TEXT).</summary>
    public abstract bool SumsAmountsExactly { get; }

    /// <summary>Suffix that keeps a read row from changing until the transaction ends ("" where the whole database is locked).</summary>
    public abstract string ForShare { get; }

    /// <summary>Suffix that locks a read row for an update in the same transaction.</summary>
    public abstract string ForUpdate { get; }

    /// <summary>Statement taken first in a migration transaction so two starting hosts migrate one after the other, or null.</summary>
    public abstract string? MigrationLock { get; }

    public abstract bool IsUniqueViolation(DbException exception);

    private sealed class PostgreSqlDialect : SqlDialect
    {
        // Any constant: the advisory lock is a named mutex for the migrator only.
        private const long MigrationLockKey = 0x436C656172696E67; // "Clearing"

        public override string ScriptFolder => "postgres";

        public override DbConnection CreateConnection(string connectionString) => new NpgsqlConnection(connectionString);

        public override Task PrepareAsync(DbConnection connection, CancellationToken cancellationToken) => Task.CompletedTask;

        // Read committed plus explicit row locks (FOR SHARE / FOR UPDATE) and compare-and-set updates.
        public override ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken) =>
            connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);

        public override string AmountValue(string parameterName) => $"CAST({parameterName} AS NUMERIC(78,0))";

        public override string AmountText(string column) => $"{column}::text";

        public override bool SumsAmountsExactly => true;

        public override string ForShare => " FOR SHARE";

        public override string ForUpdate => " FOR UPDATE";

        public override string? MigrationLock => $"SELECT pg_advisory_xact_lock({MigrationLockKey})";

        public override bool IsUniqueViolation(DbException exception) =>
            exception is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };
    }

    private sealed class SqliteDialect : SqlDialect
    {
        private const int ConstraintError = 19;
        private const int ConstraintPrimaryKey = 1555;
        private const int ConstraintUnique = 2067;

        public override string ScriptFolder => "sqlite";

        public override DbConnection CreateConnection(string connectionString) => new SqliteConnection(connectionString);

        public override async Task PrepareAsync(DbConnection connection, CancellationToken cancellationToken)
        {
            // WAL: readers never block the writer. synchronous=FULL: a committed ledger entry survives power loss.
            // busy_timeout 10 s: a second writer waits for the first instead of failing with SQLITE_BUSY.
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON;";
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        // Microsoft.Data.Sqlite begins with BEGIN IMMEDIATE: the write lock is taken at the start, so a
        // transaction never fails half-way on a lock upgrade and writers are serialized.
        public override ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken) =>
            connection.BeginTransactionAsync(IsolationLevel.Serializable, cancellationToken);

        public override string AmountValue(string parameterName) => parameterName;

        public override string AmountText(string column) => column;

        public override bool SumsAmountsExactly => false;

        public override string ForShare => "";

        public override string ForUpdate => "";

        public override string? MigrationLock => null;

        public override bool IsUniqueViolation(DbException exception) =>
            exception is SqliteException { SqliteErrorCode: ConstraintError } sqlite
            && sqlite.SqliteExtendedErrorCode is ConstraintPrimaryKey or ConstraintUnique;
    }
}
