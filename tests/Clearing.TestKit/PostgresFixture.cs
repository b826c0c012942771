using Xunit;

namespace Clearing.TestKit;

/// <summary>xunit fixture around <see cref="PostgresServer"/>: one real server per test class or collection.</summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private PostgresServer? server;

    public PostgresServer Server => server ?? throw new InvalidOperationException("The PostgreSQL fixture has not started.");

    public string ConnectionString => Server.ConnectionString;

    public Task<string> CreateDatabaseAsync() => Server.CreateDatabaseAsync();

    public async Task InitializeAsync() => server = await PostgresServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (server is not null)
        {
            await server.DisposeAsync();
        }
    }
}
