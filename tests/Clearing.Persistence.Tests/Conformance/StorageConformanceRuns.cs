using Clearing.Actors.Lease;
using Clearing.Actors.Reminders;
using Clearing.Actors.Storage;
using Clearing.Persistence.ActorStorage;
using Clearing.TestKit;

namespace Clearing.Persistence.Tests.Conformance;

public sealed class MemoryStorageConformanceTests : StorageConformanceTests
{
    protected override Task<StorageUnderTest> CreateStorageAsync()
    {
        var lease = new MemoryHostLease();
        return Task.FromResult(new StorageUnderTest(new MemoryGrainStorage(lease), new MemoryReminderTable(lease), lease));
    }
}

public sealed class SqliteStorageConformanceTests : StorageConformanceTests, IAsyncLifetime
{
    private readonly SqliteDatabases databases = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => databases.DisposeAsync().AsTask();

    protected override async Task<StorageUnderTest> CreateStorageAsync() => Over(await databases.CreateAsync());

    internal static StorageUnderTest Over(ClearingDatabase database) =>
        new(new SqlGrainStorage(database), new SqlReminderTable(database), new SqlHostLease(database));
}

[Trait("RealComponent", "true")]
[Collection(PostgresCollection.Name)]
public sealed class PostgresStorageConformanceTests(PostgresFixture postgres) : StorageConformanceTests
{
    protected override async Task<StorageUnderTest> CreateStorageAsync() =>
        SqliteStorageConformanceTests.Over(await PostgresCollection.CreateAsync(postgres));
}
