using Clearing.Actors.Testing;
using Clearing.Persistence.Migrations;
using Clearing.TestKit;
using Microsoft.Data.Sqlite;

namespace Clearing.Persistence.Tests;

/// <summary>Fresh, migrated databases for tests: one SQLite file per database in a private folder.</summary>
public sealed class SqliteDatabases : IAsyncDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("clearing-sqlite-").FullName;
    private int counter;

    public async Task<ClearingDatabase> CreateAsync(bool migrate = true)
    {
        var path = Path.Combine(folder, $"db{Interlocked.Increment(ref counter)}.sqlite");
        var database = new ClearingDatabase(SqlDialect.Sqlite, new SqliteConnectionStringBuilder { DataSource = path, Pooling = true }.ConnectionString);
        if (migrate)
        {
            await new SchemaMigrator(database, new FakeClock()).MigrateAsync();
        }

        return database;
    }

    public ValueTask DisposeAsync()
    {
        // Pooled connections keep the files open.
        SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
        return ValueTask.CompletedTask;
    }
}

/// <summary>One real PostgreSQL server shared by every PostgreSQL test class; each test still gets its own database.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "PostgreSQL server";

    public static async Task<ClearingDatabase> CreateAsync(PostgresFixture postgres, bool migrate = true)
    {
        var database = new ClearingDatabase(SqlDialect.PostgreSql, await postgres.CreateDatabaseAsync());
        if (migrate)
        {
            await new SchemaMigrator(database, new FakeClock()).MigrateAsync();
        }

        return database;
    }
}
