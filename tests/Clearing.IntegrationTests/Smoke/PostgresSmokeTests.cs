using Clearing.TestKit;
using Npgsql;
using Xunit.Abstractions;

namespace Clearing.IntegrationTests.Smoke;

[Trait("RealComponent", "true")]
public sealed class PostgresSmokeTests(PostgresFixture postgres, ITestOutputHelper output) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task A_row_round_trips_through_a_real_postgresql_server()
    {
        output.WriteLine($"{postgres.Server.Version} on port {postgres.Server.Port}");
        var connectionString = await postgres.CreateDatabaseAsync();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();

        await using (var create = new NpgsqlCommand("CREATE TABLE smoke (id bigint PRIMARY KEY, amount numeric(78,0) NOT NULL, note text NOT NULL)", connection))
        {
            await create.ExecuteNonQueryAsync();
        }

        // 2^200: a token amount far beyond 64 bits, as on-chain amounts can be.
        var amount = System.Numerics.BigInteger.Pow(2, 200);
        await using (var insert = new NpgsqlCommand("INSERT INTO smoke VALUES (1, @amount::numeric, 'dépôt ✓')", connection))
        {
            insert.Parameters.AddWithValue("amount", amount.ToString(System.Globalization.CultureInfo.InvariantCulture));
            await insert.ExecuteNonQueryAsync();
        }

        await using var select = new NpgsqlCommand("SELECT amount::text, note, version() FROM smoke WHERE id = 1", connection);
        await using var reader = await select.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(amount.ToString(System.Globalization.CultureInfo.InvariantCulture), reader.GetString(0));
        Assert.Equal("dépôt ✓", reader.GetString(1));
        Assert.StartsWith("PostgreSQL", reader.GetString(2), StringComparison.Ordinal);
    }
}
