using Clearing.TestKit;

namespace Clearing.Persistence.Tests.Stores;

public sealed class SqliteStoreTests : StoreTests, IAsyncLifetime
{
    private readonly SqliteDatabases databases = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => databases.DisposeAsync().AsTask();

    protected override Task<ClearingDatabase> CreateDatabaseAsync(bool migrate = true) => databases.CreateAsync(migrate);
}

[Trait("RealComponent", "true")]
[Collection(PostgresCollection.Name)]
public sealed class PostgresStoreTests(PostgresFixture postgres) : StoreTests
{
    protected override Task<ClearingDatabase> CreateDatabaseAsync(bool migrate = true) => PostgresCollection.CreateAsync(postgres, migrate);
}
