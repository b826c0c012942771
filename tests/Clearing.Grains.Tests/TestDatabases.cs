using Clearing.Actors.Testing;
using Clearing.Persistence;
using Clearing.Persistence.Migrations;
using Clearing.TestKit;
using Microsoft.Data.Sqlite;

namespace Clearing.Grains.Tests;

/// <summary>Where a test class gets fresh, migrated databases.</summary>
public interface ITestDatabases
{
    Task<ClearingDatabase> CreateAsync();
}

/// <summary>
/// A test class run against one kind of database (a subclass per kind picks <see cref="Databases"/>); after each test
/// it removes what the databases left behind (SQLite's files; PostgreSQL's fixture drops its server at the end).
/// </summary>
public abstract class DatabaseTests : IAsyncLifetime
{
    protected abstract ITestDatabases Databases { get; }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (Databases is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }
    }
}

/// <summary>One SQLite file per database, in a private folder removed at the end.</summary>
public sealed class SqliteTestDatabases : ITestDatabases, IAsyncDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("clearing-grains-").FullName;
    private int counter;

    public async Task<ClearingDatabase> CreateAsync()
    {
        var path = Path.Combine(folder, $"db{Interlocked.Increment(ref counter)}.sqlite");
        var database = new ClearingDatabase(SqlDialect.Sqlite, new SqliteConnectionStringBuilder { DataSource = path, Pooling = true }.ConnectionString);
        await new SchemaMigrator(database, new FakeClock()).MigrateAsync();
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

/// <summary>A fresh database per call on the class's real PostgreSQL server.</summary>
public sealed class PostgresTestDatabases(PostgresFixture postgres) : ITestDatabases
{
    public async Task<ClearingDatabase> CreateAsync()
    {
        var database = new ClearingDatabase(SqlDialect.PostgreSql, await postgres.CreateDatabaseAsync());
        await new SchemaMigrator(database, new FakeClock()).MigrateAsync();
        return database;
    }
}

/// <summary>One real PostgreSQL server shared by every PostgreSQL test class here; each test still gets its own database.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "Grains on PostgreSQL";
}
