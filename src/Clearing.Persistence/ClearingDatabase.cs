using System.Data.Common;

namespace Clearing.Persistence;

/// <summary>One database (PostgreSQL or SQLite) and the dialect to speak to it.</summary>
public sealed class ClearingDatabase
{
    public ClearingDatabase(SqlDialect dialect, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(dialect);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        Dialect = dialect;
        ConnectionString = connectionString;
    }

    public SqlDialect Dialect { get; }

    public string ConnectionString { get; }

    public static ClearingDatabase FromOptions(PersistenceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var dialect = options.Provider.Trim().ToLowerInvariant() switch
        {
            "postgresql" or "postgres" or "npgsql" => SqlDialect.PostgreSql,
            "sqlite" => SqlDialect.Sqlite,
            _ => throw new ArgumentException(
                $"Persistence provider '{options.Provider}' is not known; use 'postgresql' or 'sqlite'.", nameof(options)),
        };
        return new ClearingDatabase(dialect, options.ConnectionString);
    }

    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        var connection = Dialect.CreateConnection(ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await Dialect.PrepareAsync(connection, cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> in one write transaction and commits it; any exception rolls everything back.
    /// </summary>
    public async Task<T> InTransactionAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await Dialect.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        var result = await work(connection, transaction).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <summary>Runs a read on its own connection, outside any write transaction.</summary>
    public async Task<T> ReadAsync<T>(Func<DbConnection, Task<T>> read, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(read);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return await read(connection).ConfigureAwait(false);
    }
}
