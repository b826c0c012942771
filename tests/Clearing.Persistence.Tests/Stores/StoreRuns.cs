using Clearing.TestKit;

namespace Clearing.Persistence.Tests.Stores;

public sealed class SqliteStoreTests : StoreTests, IAsyncLifetime
{
    private readonly SqliteDatabases databases = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => databases.DisposeAsync().AsTask();

    protected override Task<ClearingDatabase> CreateDatabaseAsync(bool migrate = true) => databases.CreateAsync(migrate);

    [Theory]
    [InlineData("PRAGMA journal_mode", "wal")]
    [InlineData("PRAGMA busy_timeout", "10000")]
    [InlineData("PRAGMA foreign_keys", "1")]
    [InlineData("PRAGMA synchronous", "2")] // FULL
    public async Task Every_sqlite_connection_is_prepared_for_a_durable_writer(string pragma, string expected)
    {
        var database = await databases.CreateAsync();

        var value = await database.ReadAsync(async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = pragma;
            return Convert.ToString(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
        });

        Assert.Equal(expected, value);
    }
}

[Trait("RealComponent", "true")]
[Collection(PostgresCollection.Name)]
public sealed class PostgresStoreTests(PostgresFixture postgres) : StoreTests
{
    protected override Task<ClearingDatabase> CreateDatabaseAsync(bool migrate = true) => PostgresCollection.CreateAsync(postgres, migrate);
}
